/** The CLI's human-readable durations: the two largest units, never a figure rounded down by most of a unit. */
import { describe, expect, it } from "vitest";
import { formatRelative } from "../../src/cli/_format.js";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe("formatRelative", () => {
  it.each([
    [h + 59 * m + 30 * s, "in 1h 59m"],
    [2 * h, "in 2h"],
    [59 * m + 59 * s, "in 59m 59s"],
    [2 * d + 3 * h + 4 * m, "in 2d 3h"],
    [45 * s, "in 45s"],
    [400, "in 0s"],
    [-(3 * h + 5 * m), "3h 5m ago"],
    [-d, "1d ago"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatRelative(ms)).toBe(text);
  });
});
