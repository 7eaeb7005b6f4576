// The chart in docs/bench-gateway.svg.

import { OPS, TARGETS } from "./ops.mjs";
import { fmtMs, fmtRps } from "./report.mjs";

function esc(s) {
  return String(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Small multiples: one panel per operation, req/s on top, p99 below, each with its own scale. */
export function svgChart(results, meta) {
  const colors = { gateway: "#2563eb", webdis: "#f59e0b", raw: "#6b7280" };
  const short = { gateway: "gateway", webdis: "Webdis", raw: "raw Valkey" };
  const W = 1000;
  const panelW = W / OPS.length;
  const top = 70;
  const rowH = 226;
  const barArea = 140;
  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${top + 2 * rowH + 40}" viewBox="0 0 ${W} ${top + 2 * rowH + 40}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="600">Podium gateway vs Webdis vs raw Valkey — ${esc(meta.subtitle)}</text>`,
  );
  let lx = W / 2 - 190;
  for (const t of TARGETS) {
    parts.push(`<rect x="${lx}" y="38" width="12" height="12" fill="${colors[t]}"/>`, `<text x="${lx + 16}" y="48">${esc(short[t])}${t === "raw" ? " (redis-benchmark)" : ""}</text>`);
    lx += t === "raw" ? 190 : 100;
  }
  const rows = [
    { key: "rps", title: "Requests per second (higher is better)", fmt: fmtRps },
    { key: "p99", title: "p99 latency in ms (lower is better)", fmt: fmtMs },
  ];
  rows.forEach((row, ri) => {
    const y0 = top + ri * rowH;
    OPS.forEach((op, oi) => {
      const x0 = oi * panelW;
      const vals = TARGETS.map((t) => results[op.id]?.[t]?.[row.key]);
      const max = Math.max(...vals.filter((v) => v !== undefined), 1e-9);
      if (oi === 0) parts.push(`<text x="12" y="${y0 + 14}" font-size="13" font-weight="600" fill="#111827">${esc(row.title)}</text>`);
      parts.push(`<text x="${x0 + panelW / 2}" y="${y0 + 34}" text-anchor="middle" fill="#374151">${esc(op.label)}${op.batch && row.key === "rps" ? " (batches/s)" : ""}</text>`);
      const baseY = y0 + 46 + barArea;
      parts.push(`<line x1="${x0 + 20}" y1="${baseY}" x2="${x0 + panelW - 20}" y2="${baseY}" stroke="#9ca3af"/>`);
      const bw = (panelW - 60) / TARGETS.length;
      TARGETS.forEach((t, ti) => {
        const v = vals[ti];
        const bx = x0 + 30 + ti * bw + 6;
        const w = bw - 12;
        if (v === undefined) {
          parts.push(`<text x="${bx + w / 2}" y="${baseY - 6}" text-anchor="middle" fill="#9ca3af">n/a</text>`);
        } else {
          const h = Math.max(1, (v / max) * (barArea - 18));
          parts.push(
            `<rect x="${bx}" y="${baseY - h}" width="${w}" height="${h}" fill="${colors[t]}"><title>${esc(short[t])}: ${esc(row.fmt(v))}</title></rect>`,
            `<text x="${bx + w / 2}" y="${baseY - h - 4}" text-anchor="middle">${esc(row.fmt(v))}</text>`,
          );
        }
        parts.push(`<text x="${bx + w / 2}" y="${baseY + 14}" text-anchor="middle" fill="#374151">${esc(short[t])}</text>`);
      });
    });
  });
  parts.push(`<text x="${W / 2}" y="${top + 2 * rowH + 28}" text-anchor="middle" fill="#6b7280">${esc(meta.footer)}</text>`, `</svg>`);
  return parts.join("\n") + "\n";
}
