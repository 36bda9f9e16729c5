// Draws a δ × symbol heatmap into an <svg>: one rect per cell (data-symbol, data-delta, data-value), the forward
// strip under it column for column, axis labels and a colour legend. Interaction lives in interaction.ts.

import { NO_DATA_FILL, NO_DATA_HATCH, textColorOn } from '../../render/colors.js';
import { clear, svgEl } from './dom.js';
import { displaySymbol } from './format.js';
import type { Grid } from './grid.js';
import type { HeatmapLayout } from './layout.js';

export interface LegendSpec {
  title: string;
  /** Colour at t in [0, 1] along the bar. */
  colorAt: (t: number) => string;
  ticks: { t: number; text: string }[];
}

export interface HeatmapSpec {
  grid: Grid;
  /** Colour of a cell value (never null). */
  colorOf: (value: number) => string;
  /** The value as words, for each cell's accessible name. */
  describeValue: (value: number | null) => string;
  /** Next-symbol accuracy per column, or null for no strip. */
  forward: (number | null)[] | null;
  forwardColorOf: (value: number) => string;
  legend: LegendSpec;
  /** Accessible name of the whole map. */
  label: string;
  /** Written above the symbol labels. */
  title: string;
  /** Cells to mark with a dot (the difference view: recall differences beyond chance), or none. */
  marked?: (row: number, col: number) => boolean;
  /**
   * Per row, a mark after its δ label and data-* attributes for it (a decoder not converged: †, or in a difference ‡
   * for B's), or null; `rowNote` says under the legend what the marks mean: [mark, words] pairs.
   */
  rowMarks?: ({ mark: string; data: Record<string, string> } | null)[];
  rowNote?: [string, string][] | null;
}

export interface HeatmapView {
  layout: HeatmapLayout;
  /** cells[row][col]; row r is δ = grid.deltas[r]. */
  cells: SVGRectElement[][];
  /** The forward strip's cells, or empty. */
  forward: SVGRectElement[];
  focusRing: SVGRectElement;
}

const HATCH_ID = 'heatmap-hatch';

export function drawHeatmap(svg: SVGSVGElement, spec: HeatmapSpec, layout: HeatmapLayout): HeatmapView {
  clear(svg);
  const { grid } = spec;
  const { left, top, cellW, cellH } = layout;
  svg.setAttribute('width', String(layout.width));
  svg.setAttribute('height', String(layout.height));
  svg.setAttribute('viewBox', `0 0 ${layout.width} ${layout.height}`);
  svg.setAttribute('aria-label', spec.label);
  svg.append(hatchPattern());

  const labelSize = cellW < 18 ? 10 : 12;
  const header = svgEl('g', { class: 'axis', 'aria-hidden': 'true' });
  header.append(svgEl('text', { x: left, y: 12, class: 'chart-title' }, spec.title));
  header.append(svgEl('text', { x: left - 10, y: top - 9, 'text-anchor': 'end', class: 'axis-title' }, 'δ'));
  grid.symbols.forEach((symbol, c) => {
    const x = left + (c + 0.5) * cellW;
    header.append(
      svgEl(
        'text',
        { x, y: top - 9, 'text-anchor': 'middle', 'font-size': labelSize, class: 'symbol' },
        displaySymbol(symbol),
      ),
    );
  });
  grid.deltas.forEach((delta, r) => {
    const mark = spec.rowMarks?.[r] ?? null;
    const at = { x: left - 10, y: top + (r + 0.5) * cellH, 'text-anchor': 'end', 'dominant-baseline': 'central' };
    if (!mark) {
      header.append(svgEl('text', at, String(delta)));
      return;
    }
    // The mark sits after the number, so the numbers stay right-aligned with the others only one glyph apart.
    const data = Object.fromEntries(Object.entries(mark.data).map(([k, v]) => [`data-${k}`, v]));
    header.append(
      svgEl(
        'text',
        { ...at, class: 'delta-label marked', 'data-delta': delta, ...data },
        String(delta),
        svgEl('tspan', { class: 'row-mark' }, mark.mark),
      ),
    );
  });
  svg.append(header);

  const body = svgEl('g', { class: 'cells' });
  const cells = grid.values.map((row, r) => {
    const rowGroup = svgEl('g', { role: 'row' });
    const rects = row.map((value, c) => {
      const symbol = grid.symbols[c]!;
      const rect = cellRect(left + c * cellW, top + r * cellH, cellW, cellH, value, spec.colorOf);
      rect.id = `cell-${r}-${c}`;
      rect.classList.add('cell');
      rect.setAttribute('role', 'gridcell');
      rect.setAttribute('data-symbol', symbol);
      rect.setAttribute('data-delta', String(grid.deltas[r]));
      rect.setAttribute('data-value', value === null ? '' : String(value));
      rect.setAttribute('data-row', String(r));
      rect.setAttribute('data-col', String(c));
      rect.setAttribute('aria-label', `${displaySymbol(symbol)}, δ ${grid.deltas[r]}: ${spec.describeValue(value)}`);
      rowGroup.append(rect);
      if (value !== null && spec.marked?.(r, c)) {
        rect.setAttribute('data-significant', '1');
        const dot = svgEl('circle', {
          cx: left + (c + 0.5) * cellW,
          cy: top + (r + 0.5) * cellH,
          r: Math.max(1.5, Math.min(cellW, cellH) / 9),
          fill: textColorOn(spec.colorOf(value)),
          class: 'mark',
          'pointer-events': 'none',
        });
        rowGroup.append(dot);
      }
      return rect;
    });
    body.append(rowGroup);
    return rects;
  });
  svg.append(body);

  const forward: SVGRectElement[] = [];
  if (spec.forward && layout.forwardH > 0) {
    const y = layout.forwardTop;
    const strip = svgEl('g', { role: 'row', class: 'forward' });
    svg.append(
      svgEl(
        'text',
        {
          x: left - 10,
          y: y + layout.forwardH / 2,
          'text-anchor': 'end',
          'dominant-baseline': 'central',
          class: 'axis-title',
        },
        'next',
      ),
    );
    spec.forward.forEach((value, c) => {
      const symbol = grid.symbols[c]!;
      const rect = cellRect(left + c * cellW, y, cellW, layout.forwardH, value, spec.forwardColorOf);
      rect.id = `forward-${c}`;
      rect.classList.add('forward-cell');
      rect.setAttribute('role', 'gridcell');
      rect.setAttribute('data-symbol', symbol);
      rect.setAttribute('data-delta', 'forward');
      rect.setAttribute('data-value', value === null ? '' : String(value));
      rect.setAttribute('data-row', String(grid.deltas.length));
      rect.setAttribute('data-col', String(c));
      rect.setAttribute('aria-label', `${displaySymbol(symbol)}, next-symbol accuracy: ${spec.describeValue(value)}`);
      strip.append(rect);
      forward.push(rect);
    });
    svg.append(strip);
  }

  svg.append(
    drawLegend(spec.legend, left, layout.legendTop, Math.min(260, Math.max(160, cellW * grid.symbols.length * 0.4))),
  );
  if (spec.rowNote) {
    svg.append(
      svgEl(
        'text',
        { x: left, y: layout.noteBaseline, class: 'row-note' },
        ...spec.rowNote.flatMap(([mark, words], i) => [
          svgEl('tspan', { class: 'row-mark' }, `${i > 0 ? ' ' : ''}${mark}`),
          ` ${words}`,
        ]),
      ),
    );
  }
  const focusRing = svgEl('rect', { class: 'focus-ring', 'aria-hidden': 'true', width: cellW, height: cellH });
  focusRing.classList.add('hidden');
  svg.append(focusRing);
  return { layout, cells, forward, focusRing };
}

function cellRect(
  x: number,
  y: number,
  w: number,
  h: number,
  value: number | null,
  colorOf: (v: number) => string,
): SVGRectElement {
  return svgEl('rect', {
    x,
    y,
    width: w,
    height: h,
    fill: value === null ? `url(#${HATCH_ID})` : colorOf(value),
  });
}

// Cells without a value are hatched grey: "no data" must not read as "0%".
function hatchPattern(): SVGDefsElement {
  return svgEl(
    'defs',
    {},
    svgEl(
      'pattern',
      { id: HATCH_ID, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svgEl('rect', { width: 6, height: 6, fill: NO_DATA_FILL }),
      svgEl('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: NO_DATA_HATCH, 'stroke-width': 1.5 }),
    ),
  );
}

function drawLegend(legend: LegendSpec, x: number, y: number, width: number): SVGGElement {
  const id = 'heatmap-legend-gradient';
  const stops = Array.from({ length: 21 }, (_, i) =>
    svgEl('stop', { offset: `${i * 5}%`, 'stop-color': legend.colorAt(i / 20) }),
  );
  const g = svgEl('g', { class: 'legend', 'aria-hidden': 'true' });
  g.append(svgEl('defs', {}, svgEl('linearGradient', { id, x1: 0, x2: 1, y1: 0, y2: 0 }, ...stops)));
  g.append(svgEl('rect', { x, y, width, height: 10, fill: `url(#${id})`, class: 'legend-bar' }));
  for (const tick of legend.ticks) {
    const tx = x + tick.t * width;
    g.append(svgEl('line', { x1: tx, x2: tx, y1: y + 10, y2: y + 14, class: 'tick' }));
    const anchor = tick.t <= 0 ? 'start' : tick.t >= 1 ? 'end' : 'middle';
    g.append(svgEl('text', { x: tx, y: y + 25, 'text-anchor': anchor }, tick.text));
  }
  g.append(svgEl('text', { x: x + width + 12, y: y + 9, class: 'legend-title' }, legend.title));
  const swatchX = x + width + 12;
  g.append(svgEl('rect', { x: swatchX, y: y + 15, width: 10, height: 10, fill: `url(#${HATCH_ID})` }));
  g.append(svgEl('text', { x: swatchX + 15, y: y + 24 }, 'no eval positions'));
  return g;
}
