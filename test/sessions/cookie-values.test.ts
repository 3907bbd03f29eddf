import { describe, expect, it } from "vitest";
import { cookieValues, MAX_SESSION_COOKIES } from "../../src/sessions/_cookie-values.js";

const N = "CherryPySession";

describe("cookieValues (every value of the session cookie, in order)", () => {
  it("returns each value sent under the name, in order", () => {
    expect(cookieValues(`${N}=a; theme=dark; ${N}=b;${N}=c`, N)).toEqual(["a", "b", "c"]);
    expect(cookieValues(` ${N} = a ;\t${N}=b`, N)).toEqual(["a", "b"]);
  });

  it("ignores other cookies whose name contains the session cookie's name, or its value", () => {
    expect(cookieValues(`x${N}=a; ${N}x=b; other=${N}=c; ${N}=d`, N)).toEqual(["d"]);
    expect(cookieValues(`theme=${N}`, N)).toBeUndefined();
    expect(cookieValues("", N)).toBeUndefined();
    expect(cookieValues(undefined, N)).toBeUndefined();
  });

  it("takes values as sent: neither unquoted nor percent-decoded", () => {
    expect(cookieValues(`${N}="abc"; ${N}=a%62c; ${N}=`, N)).toEqual(['"abc"', "a%62c", ""]);
  });
  it("returns the first MAX_SESSION_COOKIES values only, however many the header holds", () => {
    const many = Array.from({ length: 270 }, (_, i) => `${N}=v${i}`).join("; ");
    const values = cookieValues(many, N) ?? [];
    expect(values).toHaveLength(MAX_SESSION_COOKIES);
    expect(values).toEqual(Array.from({ length: MAX_SESSION_COOKIES }, (_, i) => `v${i}`));
    expect(cookieValues(`${N}=a; ${N}=b`, N)).toEqual(["a", "b"]);
  });
});
