/**
 * Where a store keeps sessions must be private to the user cherry runs as: a session id is the key
 * to a session, so a file or folder another local user can read leaks every session, and one they
 * can write lets them plant a session of their choosing. cherry refuses rather than repairs: a mode
 * or owner it did not set may be an operator's choice or someone else's doing, and silently
 * changing either would hide that. The error says which command fixes it.
 */
import { closeSync, lstatSync, openSync, realpathSync, type Stats, statSync } from "node:fs";
import path from "node:path";
import { CherryError } from "../../errors.js";

const GROUP_OTHER_RW = 0o066;
const GROUP_OTHER_ANY = 0o077;
const GROUP_OTHER_W = 0o022;
const STICKY = 0o1000;

/**
 * The file store's folder: owned by this user, not readable (session ids are the file names) nor
 * writable by group or others, and in folders nobody else can rename it out of (checkAncestors).
 * Throws E_STORE_UNAVAILABLE naming the folder, its mode and the fix.
 */
export function checkPrivateFolder(dir: string, store: string): void {
  const stat = statSync(dir);
  if (!stat.isDirectory()) throw refused(store, `${dir} is not a folder`, "point the store at a folder");
  checkOwner(stat, dir, store);
  checkAncestors(path.dirname(realpathSync(dir)), dir, store);
  if (stat.mode & GROUP_OTHER_RW) {
    throw refused(
      store,
      `${dir} can be ${stat.mode & GROUP_OTHER_W ? "written" : "read"} by other users (mode ${octal(stat.mode)}): they could ${stat.mode & GROUP_OTHER_W ? "plant sessions in it" : "list every session id"}`,
      `chmod 700 ${dir}`,
    );
  }
}

/**
 * A database file and its companions (`-wal`, `-shm`, `-journal`) when they exist: regular files
 * (not links), owned by this user, with no permission for group or others; their folder, and each
 * folder above it, owned by this user or root and not writable by others unless sticky (where
 * nobody can replace another user's file): checkAncestors. A missing database file is created
 * 0600 whatever the umask, so SQLite gives its companions that mode too.
 */
export function preparePrivateFile(file: string, store: string): void {
  checkPrivateFile(file, store);
  try {
    closeSync(openSync(file, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/** preparePrivateFile's checks alone, creating nothing. */
export function checkPrivateFile(file: string, store: string): void {
  checkAncestors(realpathSync(path.dirname(file)), file, store);
  for (const name of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    const stat = lstatSync(name, { throwIfNoEntry: false });
    if (!stat) continue;
    if (!stat.isFile())
      throw refused(store, `${name} is not a regular file`, `remove ${name} or pick another storageFile`);
    checkOwner(stat, name, store);
    if (stat.mode & GROUP_OTHER_ANY) {
      throw refused(
        store,
        `${name} can be read or written by other users (mode ${octal(stat.mode)})`,
        `chmod 600 ${file}*`,
      );
    }
  }
}

/**
 * Walks from `folder` up to `/`: a folder another user could write (group or others, not sticky) or
 * that belongs to another user (not this one, not root) lets them rename what is below it and put
 * their own in its place (`mv sub/sessions sub/old; mkdir sub/sessions`), so it is refused. A sticky
 * folder (like /tmp) ends the walk: there nobody renames an entry they do not own. Paths are real
 * paths, so a symbolic link cannot hide a loose folder.
 */
export function checkAncestors(folder: string, target: string, store: string): void {
  const uid = process.getuid?.();
  for (let current = folder; ; current = path.dirname(current)) {
    const stat = statSync(current);
    if (uid !== undefined && stat.uid !== uid && stat.uid !== 0) {
      throw refused(
        store,
        `${current} belongs to another user (uid ${stat.uid}, cherry runs as uid ${uid}): they could replace ${target}`,
        `keep the store in a folder of your own, or chown ${uid} ${current}`,
      );
    }
    if (stat.mode & STICKY) return;
    if (stat.mode & GROUP_OTHER_W) {
      throw refused(
        store,
        `${current} can be written by other users (mode ${octal(stat.mode)}): they could replace ${target}`,
        `chmod go-w ${current}, or keep the store in a private folder`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

/**
 * What opening a store at `target` would refuse, found without creating anything: for `config
 * check` (each store's `validate`), which reports it with the key's file:line. `kind` says what
 * `target` is: the file store's folder, or a database file. A folder or database that does not
 * exist yet is judged by the nearest folder above it that does.
 */
export function privacyProblem(kind: "folder" | "file", target: string, store: string): string | undefined {
  try {
    if (kind === "folder") {
      if (lstatSync(target, { throwIfNoEntry: false })) checkPrivateFolder(target, store);
      else checkAncestors(nearestExisting(target), target, store);
    } else {
      if (lstatSync(path.dirname(target), { throwIfNoEntry: false })) checkPrivateFile(target, store);
      else checkAncestors(nearestExisting(target), target, store);
    }
  } catch (error) {
    if (!(error instanceof CherryError)) return undefined;
    return `${error.message}${error.hint ? ` (${error.hint})` : ""}`;
  }
  return undefined;
}

function nearestExisting(target: string): string {
  let current = path.dirname(target);
  while (!lstatSync(current, { throwIfNoEntry: false }) && current !== path.dirname(current))
    current = path.dirname(current);
  return realpathSync(current);
}

function checkOwner(stat: Stats, name: string, store: string): void {
  const uid = process.getuid?.();
  if (uid === undefined || stat.uid === uid) return;
  throw refused(
    store,
    `${name} belongs to another user (uid ${stat.uid}, cherry runs as uid ${uid})`,
    `run cherry as its owner, or chown ${uid} ${name}`,
  );
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}

function refused(store: string, message: string, fix: string): CherryError {
  return new CherryError("E_STORE_UNAVAILABLE", `[store:${store}] ${message}`, { hint: fix });
}
