/**
 * Where a store keeps sessions must be private to the user cherry runs as: a session id is the key
 * to a session, so a file or folder another local user can read leaks every session, and one they
 * can write lets them plant a session of their choosing. cherry refuses rather than repairs: a mode
 * or owner it did not set may be an operator's choice or someone else's doing, and silently
 * changing either would hide that. The error says which command fixes it.
 */
import { closeSync, lstatSync, openSync, type Stats, statSync } from "node:fs";
import path from "node:path";
import { CherryError } from "../../errors.js";

const GROUP_OTHER_RW = 0o066;
const GROUP_OTHER_ANY = 0o077;
const GROUP_OTHER_W = 0o022;
const STICKY = 0o1000;

/**
 * The file store's folder: owned by this user, not readable (session ids are the file names) nor
 * writable by group or others. Throws E_STORE_UNAVAILABLE naming the folder, its mode and the fix.
 */
export function checkPrivateFolder(dir: string, store: string): void {
  const stat = statSync(dir);
  if (!stat.isDirectory()) throw refused(store, `${dir} is not a folder`, "point the store at a folder");
  checkOwner(stat, dir, store);
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
 * (not links), owned by this user, with no permission for group or others; their folder not
 * writable by others unless sticky (where nobody can replace another user's file). A missing
 * database file is created 0600 whatever the umask, so SQLite gives its companions that mode too.
 */
export function preparePrivateFile(file: string, store: string): void {
  const dir = statSync(path.dirname(file));
  if (dir.mode & GROUP_OTHER_W && !(dir.mode & STICKY)) {
    throw refused(
      store,
      `the folder of ${file} can be written by other users (mode ${octal(dir.mode)}): they could replace the database`,
      `chmod go-w ${path.dirname(file)}, or keep storageFile in a private folder`,
    );
  }
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
  try {
    closeSync(openSync(file, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
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
