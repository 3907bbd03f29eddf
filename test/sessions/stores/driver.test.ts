import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isCherryError } from "../../../src/errors.js";
import { requireDriver } from "../../../src/sessions/stores/_descriptor.js";
import { STORES } from "../../../src/sessions/stores/index.js";
import { ROOT } from "../../helpers/cli.js";

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));

describe("database drivers are optional peer dependencies, loaded when their store opens", () => {
  it("every store's driver is an optional peer dependency (and a devDependency for cherry's tests), never a dependency", () => {
    const drivers = STORES.flatMap((d) => (d.driver ? [d.driver] : []));
    expect(drivers.sort()).toEqual(["better-sqlite3", "mysql2", "pg", "redis"]);
    for (const driver of drivers) {
      expect(pkg.dependencies[driver], driver).toBeUndefined();
      expect(pkg.peerDependencies[driver], driver).toBeDefined();
      expect(pkg.peerDependenciesMeta[driver], driver).toEqual({ optional: true });
      expect(pkg.devDependencies[driver], driver).toBe(pkg.peerDependencies[driver]);
    }
  });

  it.each([
    ["package", "cherry-no-such-driver", undefined],
    ["package's module entry", "cherry-no-such-driver", "cherry-no-such-driver/promise"],
  ])(
    "a missing %s is an E_STORE_UNAVAILABLE naming the package and the install command",
    (_, name, entry) => {
      let thrown: unknown;
      try {
        requireDriver("demo", name, entry);
      } catch (error) {
        thrown = error;
      }
      expect(isCherryError(thrown, "E_STORE_UNAVAILABLE")).toBe(true);
      expect((thrown as Error).message).toBe(
        `[store:demo] the demo store needs the ${name} package, which is not installed`,
      );
      expect((thrown as { hint?: string }).hint).toBe(`npm install ${name}`);
    },
  );

  it("an installed driver loads, and an error other than its absence is not disguised as one", () => {
    expect(typeof requireDriver<{ Pool: unknown }>("postgres", "pg").Pool).toBe("function");
    // The package is there but the entry is not: that is no missing package, so it is thrown as is.
    expect(() => requireDriver("postgres", "pg", "pg/no-such-entry")).toThrow(/no-such-entry/);
  });
});
