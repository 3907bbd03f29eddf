const count = new Intl.NumberFormat("en-US");

export function formatCount(n: number): string {
  return count.format(n);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** "in 59m", "3h 5m ago", "in 2d 1h": how far `ms` is from now, in its two largest units. */
export function formatRelative(ms: number): string {
  const abs = Math.abs(ms);
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
  ];
  // The largest unit and the next one (`1h 59m`, not `1h`), so a rounded-down figure never
  // understates a time by almost a whole unit.
  const found = units.findIndex(([size]) => abs >= size);
  const at = found === -1 ? units.length - 1 : found;
  const [size, unit] = units[at];
  let text = `${Math.floor(abs / size)}${unit}`;
  const next = units[at + 1];
  if (abs >= size && next) {
    const rest = Math.floor((abs % size) / next[0]);
    if (rest > 0) text += ` ${rest}${next[1]}`;
  }
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/**
 * `2026-11-29 15:04:05 +01:00`: a moment in the local time zone (TZ), with its offset so that it
 * is unambiguous; `sessions ls` and `sessions show` print every time this way.
 */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const zone = `${sign}${pad2(Math.floor(Math.abs(offset) / 60))}:${pad2(Math.abs(offset) % 60)}`;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${zone}`;
}

/** Pads each column but the last to its widest cell; `right` lists the columns aligned right. */
export function formatColumns(rows: string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : right.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]),
      )
      .join("  ")
      .trimEnd(),
  );
}
