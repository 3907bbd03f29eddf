// The simplest purge one could write: list the folder, stat each file, unlink the expired ones.
import { promises as fs } from "node:fs";
import path from "node:path";

const dir = process.argv[2];
const now = Date.now();
for (const name of await fs.readdir(dir)) {
  const file = path.join(dir, name);
  const stat = await fs.stat(file);
  if (stat.mtimeMs <= now) await fs.unlink(file);
}
