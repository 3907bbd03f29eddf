import { describe, expect, it } from "vitest";
import { splitUrl } from "../../../src/sessions/stores/_url.js";

describe("cherry's own storageUrl parameters", () => {
  it("are taken out before the URL reaches the driver, the driver's own are kept", () => {
    expect(
      splitUrl("postgres://app:pw@db:5432/site?schema=s1&poolSize=25&sslmode=require", [
        "schema",
        "poolSize",
      ]),
    ).toEqual({
      url: "postgres://app:pw@db:5432/site?sslmode=require",
      own: { schema: "s1", poolSize: "25" },
    });
    expect(splitUrl("redis://h:6379/2?prefix=app:&commandTimeout=800", ["prefix", "commandTimeout"])).toEqual(
      {
        url: "redis://h:6379/2",
        own: { prefix: "app:", commandTimeout: "800" },
      },
    );
  });

  it("leave a URL without them exactly as written", () => {
    const raw = "redis://:p%40ss@h:6379/0";
    expect(splitUrl(raw, ["prefix", "commandTimeout"])).toEqual({
      url: raw,
      own: { prefix: undefined, commandTimeout: undefined },
    });
    expect(splitUrl("not a url", ["schema"])).toEqual({ url: "not a url", own: {} });
  });
});
