/** Reading V8 stacks for the watch-mode pages: who each frame belongs to and how its path is shown. */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { explainStack, formatThrown, parseStack } from "../../src/modules/stack.js";
import { ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

describe("parseStack", () => {
  it("sorts frames into the app's, a package's, cherry's and Node's, with paths relative to the app", () => {
    const app = "/home/ada/shop";
    const stack = [
      "TypeError: boom",
      `    at Root.cart (${app}/src/root.ts:16:11)`,
      `    at new Cart (file://${app}/src/cart.ts:3:9)`,
      `    at async Promise.all (index 0)`,
      `    at ${app}/node_modules/.cache/cherry/app-123-0-4.mjs:40:7`,
      `    at explode (${app}/node_modules/left-pad/index.js:2:9)`,
      `    at route (${ROOT}/dist/server/handler.js:104:27)`,
      `    at Server.emit (node:events:524:28)`,
      `    at /srv/shared/lib.ts:1:2`,
    ].join("\n");
    const frames = parseStack(stack, app);
    expect(frames.map((f) => [f.kind, f.fn, f.where])).toEqual([
      ["app", "Root.cart", "src/root.ts:16:11"],
      ["app", "new Cart", "src/cart.ts:3:9"],
      ["app", "", "node_modules/.cache/cherry/app-123-0-4.mjs:40:7"],
      ["dependency", "explode", "node_modules/left-pad/index.js:2:9"],
      ["cherry", "route", "cherry/dist/server/handler.js:104:27"],
      ["node", "Server.emit", "node:events:524:28"],
      ["app", "", "/srv/shared/lib.ts:1:2"],
    ]);
  });

  it("opens the first non-Node frame when none is the app's, and counts what it folds", () => {
    const app = tempDir({ "node_modules/dep/index.js": "one\ntwo\nthree\n" });
    const stack = `Error: x\n    at f (node:internal/x:1:1)\n    at g (${path.join(app, "node_modules/dep/index.js")}:2:1)`;
    const explained = explainStack(stack, app);
    expect(explained.shown.map((f) => f.where)).toEqual(["node_modules/dep/index.js:2:1"]);
    expect(explained.shown[0].frame).toContain("> 2 | two");
    expect(explained.folded).toBe(2);
    expect(formatThrown(Object.assign(new Error("x"), { stack }), app)).toContain(
      "… 2 frames of cherry, Node.js and packages",
    );
  });
});
