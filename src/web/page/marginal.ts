// The marginal chart beside the heatmap: one value per δ per series (accuracy or bits per layer, or the two sides
// of a comparison) with a reference line (chance, or the prior's entropy). Its rows are the heatmap's rows.

import { clear, svgEl } from './dom.js';
import type { HeatmapLayout } from './layout.js';
import { rowCenter } from './layout.js';

export interface MarginalSeries {
  label: string;
  color: string;
  /** Drawn bold, with its intervals; the others are drawn thin. */
  emphasis: boolean;
  values: (number | null)[];
  intervals?: ({ low: number; high: number } | null)[];
  /** Per row, whether its decoder is not converged: drawn as a hollow ring (the figures' mark). */
  hollow?: boolean[];
  /** --decoder-seeds: per row, mean ± one sd over the seeds, a shaded band (only the emphasised series). */
  band?: ({ low: number; high: number } | null)[];
}

export interface MarginalSpec {
  series: MarginalSeries[];
  reference: { label: string; values: (number | null)[] } | null;
  /** The value at the right edge; ticks at these values. */
  max: number;
  ticks: { value: number; text: string }[];
  label: string;
  /** Written above the chart. */
  title: string;
  /** The legend's words for a hollow ring, when some series has one. */
  hollowNote?: string | null;
  /** The legend's words for the seed band, when the emphasised series has one. */
  bandNote?: string | null;
}

export const MARGINAL_WIDTH = 250;

export function drawMarginal(svg: SVGSVGElement, spec: MarginalSpec, layout: HeatmapLayout): void {
  clear(svg);
  const x0 = 14;
  const x1 = MARGINAL_WIDTH - 18;
  const xOf = (v: number) => x0 + (Math.min(spec.max, Math.max(0, v)) / spec.max) * (x1 - x0);
  const gridTop = layout.top;
  const gridBottom = layout.top + layout.rows * layout.cellH;
  const legendTop = gridBottom + 22;
  const entries = spec.series.length + (spec.reference ? 1 : 0) + (spec.hollowNote ? 1 : 0) + (spec.bandNote ? 1 : 0);
  const height = Math.max(layout.height, legendTop + entries * 16 + 4);
  svg.setAttribute('width', String(MARGINAL_WIDTH));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${MARGINAL_WIDTH} ${height}`);
  svg.setAttribute('aria-label', spec.label);

  svg.append(svgEl('text', { x: x0, y: 12, class: 'chart-title' }, spec.title));
  const axis = svgEl('g', { class: 'axis' });
  for (const tick of spec.ticks) {
    const x = xOf(tick.value);
    axis.append(svgEl('line', { x1: x, x2: x, y1: gridTop - 4, y2: gridBottom, class: 'gridline' }));
    axis.append(svgEl('text', { x, y: layout.top - 9, 'text-anchor': 'middle' }, tick.text));
  }
  for (let r = 0; r < layout.rows; r++) {
    axis.append(
      svgEl('line', { x1: x0, x2: x1, y1: rowCenter(layout, r), y2: rowCenter(layout, r), class: 'rowline' }),
    );
  }
  svg.append(axis);

  if (spec.reference) {
    svg.append(
      svgEl('polyline', { points: points(spec.reference.values, xOf, layout), class: 'reference' }),
      ...dots(spec.reference.values, xOf, layout, 'reference-dot', '#71717a', 2).map((d) => d.el),
    );
  }
  const ordered = [...spec.series].sort((a, b) => Number(a.emphasis) - Number(b.emphasis));
  for (const s of ordered) {
    const g = svgEl('g', { class: s.emphasis ? 'series emphasis' : 'series' });
    if (s.emphasis && s.band) {
      const rows = s.band.map((b, r) => (b ? { ...b, y: rowCenter(layout, r) } : null)).filter((b) => b !== null);
      const edge = (v: 'low' | 'high', b: { low: number; high: number; y: number }) =>
        `${xOf(b[v]).toFixed(1)},${b.y.toFixed(1)}`;
      const outline = [...rows.map((b) => edge('high', b)), ...rows.reverse().map((b) => edge('low', b))];
      g.append(svgEl('polygon', { points: outline.join(' '), fill: s.color, class: 'seed-band' }));
    }
    if (s.emphasis && s.intervals) {
      s.intervals.forEach((iv, r) => {
        if (!iv) return;
        const y = rowCenter(layout, r);
        g.append(
          svgEl('line', { x1: xOf(iv.low), x2: xOf(iv.high), y1: y, y2: y, stroke: s.color, class: 'interval' }),
        );
      });
    }
    const line = svgEl('polyline', { points: points(s.values, xOf, layout), stroke: s.color, class: 'line' });
    const drawn = dots(s.values, xOf, layout, 'dot', s.color, s.emphasis ? 3.5 : 2.5);
    for (const { el, row } of drawn) {
      if (!s.hollow?.[row]) continue;
      // A ring: where the decoder sits is still shown, as a lower bound of what the state holds.
      el.setAttribute('fill', '#ffffff');
      el.setAttribute('stroke', s.color);
      el.classList.add('not-converged');
      el.setAttribute('data-converged', 'false');
    }
    g.append(line, ...drawn.map((d) => d.el));
    svg.append(g);
  }

  const legend = svgEl('g', { class: 'legend' });
  let y = legendTop;
  for (const s of spec.series) {
    legend.append(
      svgEl('line', { x1: x0, x2: x0 + 18, y1: y, y2: y, stroke: s.color, class: s.emphasis ? 'key emphasis' : 'key' }),
      svgEl('text', { x: x0 + 24, y, 'dominant-baseline': 'central' }, s.label),
    );
    y += 16;
  }
  if (spec.reference) {
    legend.append(
      svgEl('line', { x1: x0, x2: x0 + 18, y1: y, y2: y, class: 'reference' }),
      svgEl('text', { x: x0 + 24, y, 'dominant-baseline': 'central' }, spec.reference.label),
    );
    y += 16;
  }
  if (spec.bandNote) {
    legend.append(
      svgEl('rect', { x: x0, y: y - 4, width: 18, height: 8, fill: '#52525b', class: 'band-key' }),
      svgEl('text', { x: x0 + 24, y, 'dominant-baseline': 'central' }, spec.bandNote),
    );
    y += 16;
  }
  if (spec.hollowNote) {
    legend.append(
      svgEl('circle', { cx: x0 + 9, cy: y, r: 3.5, fill: '#ffffff', stroke: '#52525b', class: 'hollow-key' }),
      svgEl('text', { x: x0 + 24, y, 'dominant-baseline': 'central' }, spec.hollowNote),
    );
  }
  svg.append(legend);
}

// A polyline through the rows that have a value (a gap in the data is bridged; the dots show where values are).
function points(values: (number | null)[], xOf: (v: number) => number, layout: HeatmapLayout): string {
  return values
    .map((v, r) => (v === null ? null : `${xOf(v).toFixed(1)},${rowCenter(layout, r).toFixed(1)}`))
    .filter((p) => p !== null)
    .join(' ');
}

function dots(
  values: (number | null)[],
  xOf: (v: number) => number,
  layout: HeatmapLayout,
  cls: string,
  color: string,
  radius: number,
): { el: SVGCircleElement; row: number }[] {
  const out: { el: SVGCircleElement; row: number }[] = [];
  values.forEach((v, r) => {
    if (v !== null) {
      out.push({
        el: svgEl('circle', { cx: xOf(v), cy: rowCenter(layout, r), r: radius, fill: color, class: cls }),
        row: r,
      });
    }
  });
  return out;
}
