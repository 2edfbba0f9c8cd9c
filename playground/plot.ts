// Line charts as inline SVG, drawn by hand: the page's CSP allows no eval, so
// no plotting library that compiles expressions; a few axes and lines are all
// the training plots need.

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** line: joined; dots: marked points (the question's MATLAB values). */
  readonly kind: 'line' | 'dots';
}

export interface Chart {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** The x axis runs to this (the run's steps), so a live plot does not rescale sideways. */
  readonly xMax?: number;
  /** A log y axis when the values are positive and span more than two decades. */
  readonly log?: boolean;
  readonly series: readonly Series[];
  /** Width in px of the drawing (its text stays 12 px where the chart is shown at this width); default 640. */
  readonly width?: number;
}

const COLORS = ['#1f5fbf', '#c2410c', '#15803d', '#7e22ce', '#b91c1c'];
const M = { left: 64, right: 16, top: 10, bottom: 44 };

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Round-number ticks between lo and hi. */
function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

const label = (v: number): string => {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
};

export function lineChart(chart: Chart): string {
  const W = Math.round(chart.width ?? 640);
  const H = Math.round(Math.min(300, Math.max(210, W * 0.5)));
  const all = chart.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const x0 = Math.min(1, ...xs);
  const x1 = Math.max(chart.xMax ?? 1, ...xs, x0 + 1);
  let y0 = ys.length ? Math.min(...ys) : 0;
  let y1 = ys.length ? Math.max(...ys) : 1;
  const log = !!chart.log && y0 > 0 && y1 / y0 > 100;
  const f = log ? Math.log10 : (v: number) => v;
  if (log) {
    y0 = Math.floor(f(y0));
    y1 = Math.ceil(f(y1));
  } else {
    if (y0 === y1) {
      y0 -= 1;
      y1 += 1;
    }
    const pad = (y1 - y0) * 0.06;
    y0 -= pad;
    y1 += pad;
  }
  const px = (x: number): number => M.left + ((x - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (y: number): number => H - M.bottom - ((f(y) - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const parts: string[] = [];
  // The title is HTML above the drawing, so it wraps at any width.
  parts.push(`<figure class="chart" id="${esc(chart.id)}"><div class="chart-title">${esc(chart.title)}</div><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(chart.title)}" xmlns="http://www.w3.org/2000/svg">`);
  // Axes and grid.
  const yTicks = log ? Array.from({ length: y1 - y0 + 1 }, (_, i) => y0 + i).filter((_, i, a) => a.length <= 8 || i % Math.ceil(a.length / 8) === 0) : ticks(y0, y1, 5);
  for (const t of yTicks) {
    const y = log ? H - M.bottom - ((t - y0) / (y1 - y0)) * (H - M.top - M.bottom) : py(t);
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}"/>`);
    parts.push(`<text class="tick" x="${M.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${log ? `1e${t}` : label(t)}</text>`);
  }
  for (const t of ticks(x0, x1, 6).filter((t) => Number.isInteger(t))) {
    const x = px(t);
    parts.push(`<line class="grid" x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${M.top}" y2="${H - M.bottom}"/>`);
    parts.push(`<text class="tick" x="${x.toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  parts.push(`<rect class="frame" x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}"/>`);
  parts.push(`<text class="axis" x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">${esc(chart.xLabel)}${log ? '' : ''}</text>`);
  parts.push(`<text class="axis" transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}${log ? ' (log scale)' : ''}</text>`);
  chart.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!log || y > 0));
    if (s.kind === 'line') {
      if (pts.length === 1) parts.push(`<circle cx="${px(pts[0]![0]).toFixed(1)}" cy="${py(pts[0]![1]).toFixed(1)}" r="2.5" fill="${color}"/>`);
      else if (pts.length) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    } else {
      for (const [x, y] of pts) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="4" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    }
  });
  parts.push('</svg>');
  if (chart.series.length > 1) {
    parts.push(`<figcaption class="legend">${chart.series.map((s, k) => `<span><i class="${s.kind}" style="--c:${COLORS[k % COLORS.length]}"></i>${esc(s.name)}</span>`).join(' ')}</figcaption>`);
  }
  parts.push('</figure>');
  return parts.join('');
}
