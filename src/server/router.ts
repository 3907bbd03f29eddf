/**
 * CherryPy object publishing (docs/contract.md §2): `/` calls `index`, `/a/b` calls `b` on the object held
 * in `a`, `/a/` calls `a.index`. Names starting with `_`, `constructor` and anything that only exists
 * on Object.prototype or Function.prototype are never reachable.
 */

export type Route =
  | { kind: "handler"; fn: (...args: unknown[]) => unknown; owner: object }
  | { kind: "redirect"; location: string }
  | { kind: "not-found" };

const BUILTIN_PROTOTYPES = new Set<object>([Object.prototype, Function.prototype]);

/** Whether the router may reach `name` on `owner` (the rule above). */
export function isPublished(owner: object, name: string): boolean {
  if (name === "" || name.startsWith("_") || name === "constructor") return false;
  for (let o: object | null = owner; o && !BUILTIN_PROTOTYPES.has(o); o = Object.getPrototypeOf(o)) {
    if (Object.hasOwn(o, name)) return true;
  }
  return false;
}

function child(owner: unknown, name: string): unknown {
  if ((typeof owner !== "object" && typeof owner !== "function") || owner === null) return undefined;
  return isPublished(owner, name) ? (owner as Record<string, unknown>)[name] : undefined;
}

/** `pathname` is the raw URL path; segments are percent-decoded here. */
export function resolveRoute(root: object, pathname: string): Route {
  let segments: string[];
  try {
    segments = pathname.split("/").slice(1);
    if (pathname.includes("%")) segments = segments.map(decodeURIComponent);
  } catch {
    return { kind: "not-found" };
  }
  const trailingSlash = segments.at(-1) === "";
  if (trailingSlash) segments.pop();
  let owner: object = root;
  for (let i = 0; i < segments.length; i++) {
    const value = child(owner, segments[i]);
    if (typeof value === "function" && i === segments.length - 1 && !trailingSlash) {
      return { kind: "handler", fn: value as (...args: unknown[]) => unknown, owner };
    }
    if (typeof value !== "object" || value === null) return { kind: "not-found" };
    owner = value;
  }
  const index = child(owner, "index");
  if (typeof index !== "function") return { kind: "not-found" };
  if (!trailingSlash && segments.length > 0) return { kind: "redirect", location: `${pathname}/` };
  return { kind: "handler", fn: index as (...args: unknown[]) => unknown, owner };
}
