import readline from "node:readline";

export interface ShortcutActions {
  restart(): Promise<void> | void;
  open(): void;
  clear(): void;
  quit(): void;
}

/** vite's keys (a key, then Enter) plus nodemon's `rs`. */
export const SHORTCUTS: [keys: string, help: string, action: keyof ShortcutActions | "help"][] = [
  ["r", "restart the server (also rs, as in nodemon)", "restart"],
  ["o", "open the app in a browser", "open"],
  ["c", "clear the screen", "clear"],
  ["q", "quit", "quit"],
  ["h", "show this help", "help"],
];

/**
 * Reads shortcuts line by line from a terminal: the terminal stays in its normal mode, so Ctrl-C is
 * still SIGINT and typing echoes as usual. A restart asked for while one runs waits for it.
 * `print` writes one line of feedback. Returns a function that stops reading.
 */
export function readShortcuts(
  input: NodeJS.ReadableStream,
  actions: ShortcutActions,
  print: (line: string) => void,
): () => void {
  const lines = readline.createInterface({ input, terminal: false });
  let restarting: Promise<void> = Promise.resolve();
  lines.on("line", (line) => {
    const key = line.trim().toLowerCase();
    if (key === "") return;
    const found = SHORTCUTS.find(([k]) => k === key) ?? (key === "rs" ? SHORTCUTS[0] : undefined);
    if (!found) {
      print(`unknown shortcut "${key}"; press h + enter for help`);
      return;
    }
    const action = found[2];
    if (action === "help") {
      print("shortcuts (type the key, then press enter):");
      for (const [k, help] of SHORTCUTS) print(`  ${k} + enter  ${help}`);
    } else if (action === "restart") {
      restarting = restarting.then(() => actions.restart()).catch(() => undefined);
    } else actions[action]();
  });
  return () => lines.close();
}
