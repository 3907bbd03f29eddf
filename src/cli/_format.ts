const count = new Intl.NumberFormat("en-US");

export function formatCount(n: number): string {
  return count.format(n);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** "in 59m", "3h ago", "in 2d": how far `ms` is from now. */
export function formatRelative(ms: number): string {
  const abs = Math.abs(ms);
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
  ];
  const [size, unit] = units.find(([size]) => abs >= size) ?? [1000, "s"];
  const text = `${Math.floor(abs / size)}${unit}`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}
