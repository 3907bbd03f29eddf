/**
 * Terminal safety for every human-readable line cherry prints (CLI output and the log): C0 controls
 * (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F) are written as `\uXXXX`, so text that
 * came from outside (session keys and values, exception messages, file names, request paths) cannot
 * move the cursor, retitle the window (`ESC ] 0 ; … BEL`) or start a control sequence (U+009B is a
 * one-character CSI). The bidirectional embeddings, overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069, Unicode UAX #9; the "Trojan Source" characters, CVE-2021-42574) are escaped too: they
 * would reorder what follows them on a displayed line. The `\uXXXX` form is also a JSON escape, so
 * JSON text stays valid JSON with the same value after escaping.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const asUnicodeEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** `text` with every C0, C1, DEL and bidi control character as `\uXXXX`; `keepNewlines` leaves `\n` (multi-line stacks). */
export function escapeControls(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines ? CONTROLS_BUT_NEWLINE : CONTROLS, asUnicodeEscape);
}
