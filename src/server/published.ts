/**
 * What an app publishes, for watch mode's 404 page (as Django's debug 404 lists its URL patterns):
 * every path the router (router.ts) would answer, why a given path is not among them, and notes on
 * a default export that publishes nothing.
 */
import { didYouMean } from "../config/_suggest.js";
import { isPublished } from "./router.js";

export interface PublishedTree {
  /** Paths the router answers, sorted (`/`, `/admin/`, `/admin/users`, `/login`). */
  paths: string[];
  /** Why the requested path is not reached, when the walk can tell. */
  reason?: string;
  /** Notes on the app as a whole (a default-exported function, an app that publishes nothing). */
  notes: string[];
}

const MAX_PATHS = 500;
const MAX_DEPTH = 8;
const notesByRoot = new WeakMap<object, string[]>();

/** Names `owner` publishes, own and inherited (up to Object.prototype), in declaration order. */
function publishedNames(owner: object): string[] {
  const names = new Set<string>();
  for (
    let o: object | null = owner;
    o && o !== Object.prototype && o !== Function.prototype;
    o = Object.getPrototypeOf(o)
  )
    for (const name of Object.getOwnPropertyNames(o)) if (isPublished(owner, name)) names.add(name);
  return [...names];
}

function readName(owner: object, name: string): unknown {
  try {
    return (owner as Record<string, unknown>)[name];
  } catch {
    return undefined; // a getter that throws publishes nothing
  }
}

/** The paths `root` publishes (at most 500, 8 levels deep; an object seen twice is listed once). */
export function publishedPaths(root: object): string[] {
  const paths: string[] = [];
  const seen = new Set<object>();
  const walk = (owner: object, prefix: string, depth: number) => {
    if (seen.has(owner) || depth > MAX_DEPTH) return;
    seen.add(owner);
    for (const name of publishedNames(owner)) {
      if (paths.length >= MAX_PATHS) return;
      const value = readName(owner, name);
      if (typeof value === "function") paths.push(name === "index" ? prefix : `${prefix}${name}`);
      else if (typeof value === "object" && value !== null) walk(value, `${prefix}${name}/`, depth + 1);
    }
  };
  walk(root, "/", 0);
  return paths.sort();
}

const describe = (value: unknown) =>
  value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;

/** Walks `pathname` as the router does and says where and why it stops. */
export function whyNotFound(root: object, pathname: string): string | undefined {
  let segments: string[];
  try {
    segments = pathname.split("/").slice(1).map(decodeURIComponent);
  } catch {
    return `${pathname} is not a valid percent-encoded path.`;
  }
  const trailingSlash = segments.at(-1) === "";
  if (trailingSlash) segments.pop();
  let owner: object = root;
  let at = "/";
  for (let i = 0; i < segments.length; i++) {
    const name = segments[i];
    const last = i === segments.length - 1;
    if (name.startsWith("_"))
      return `"${name}" starts with "_": such names are private and never published (CherryPy's rule).`;
    if (name === "constructor") return `"constructor" is never published.`;
    if (!isPublished(owner, name)) {
      if (name in owner) return `"${name}" is inherited from Object, and such names are never published.`;
      return `${at} publishes nothing named "${name}"${didYouMean(name, publishedNames(owner))}`;
    }
    const value = readName(owner, name);
    if (typeof value === "function") {
      if (last && trailingSlash)
        return `"${name}" is a method: ${at}${name} (without the trailing slash) calls it.`;
      if (!last) return `"${name}" is a method: ${at}${name} calls it, and nothing is published below it.`;
      return undefined;
    }
    if (typeof value !== "object" || value === null)
      return `"${name}" in ${at} is ${describe(value)}, not a method or an object: only methods answer requests.`;
    owner = value;
    at = `${at}${name}/`;
  }
  if (!isPublished(owner, "index") || typeof readName(owner, "index") !== "function")
    return `${at} has no index() method, so ${at} itself answers nothing.`;
  return undefined;
}

/** The list, the reason and the notes for a 404 on `pathname`. */
export function explainNotFound(root: object, pathname: string): PublishedTree {
  const paths = publishedPaths(root);
  const notes = [...(notesByRoot.get(root) ?? [])];
  if (paths.length === 0 && notes.length === 0)
    notes.push("The default export publishes no method: give its class (or object) an index() method.");
  return { paths, reason: whyNotFound(root, pathname), notes };
}

/**
 * The object an app's default export publishes, CherryPy's root: an instance of a class (or of an
 * ES5 constructor with prototype methods), or the object itself. Any other function (an arrow, an
 * async or a plain function) publishes nothing; `note` says so, for the terminal and the 404 page.
 * Throws what a constructor throws.
 */
export function rootFromExport(exported: unknown): { root: unknown; note?: string } {
  if (typeof exported !== "function") return { root: exported };
  const source = Function.prototype.toString.call(exported);
  const prototype = (exported as { prototype?: object }).prototype;
  const constructorLike =
    /^class\b/.test(source) ||
    (prototype !== undefined && Object.getOwnPropertyNames(prototype).some((n) => n !== "constructor"));
  if (constructorLike) return { root: new (exported as new () => object)() };
  const root = {};
  const name = exported.name ? ` "${exported.name}"` : "";
  const note =
    `The default export is the function${name}, not a class or an object: cherry publishes the methods ` +
    "of the default export, so a function alone publishes nothing. Write `export default class Root { " +
    "index(request) {…} }`, or `export default { index }` to publish this function at /.";
  notesByRoot.set(root, [note]);
  return { root, note };
}
