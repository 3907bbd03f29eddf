// A horizontal bar chart as a standalone SVG: one bar per contender, cherry's in red.
const esc = (s) =>
  String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

export function barChart({ title, unit, rows }) {
  const width = 760;
  const label = 300;
  const barMax = width - label - 90;
  const rowH = 26;
  const top = 40;
  const max = Math.max(...rows.map((r) => r.value), 1);
  const bars = rows
    .map((r, i) => {
      const y = top + i * rowH;
      const w = Math.max(1, (r.value / max) * barMax);
      const color = r.name.startsWith("cherry") ? "#c0392b" : "#7f8c8d";
      return `<text x="${label - 8}" y="${y + 17}" text-anchor="end">${esc(r.name)}</text>
<rect x="${label}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${color}"/>
<text x="${(label + w + 6).toFixed(1)}" y="${y + 17}">${esc(r.text ?? `${Math.round(r.value).toLocaleString("en-US")} ${unit}`)}</text>`;
    })
    .join("\n");
  const height = top + rows.length * rowH + 16;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="24" font-size="15" font-weight="bold">${esc(title)}</text>
${bars}
</svg>
`;
}
