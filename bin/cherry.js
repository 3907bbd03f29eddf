#!/usr/bin/env node
import { runMain } from "../dist/cli/index.js";

runMain(process.argv);
