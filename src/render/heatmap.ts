// The parts every heatmap figure is made of: a grid of inspectable cells (data attributes and a <title> tooltip
// each), hatching for cells without data, axis tick labels, and a vertical colour bar with its legend.

import { NO_DATA_FILL, NO_DATA_HATCH } from './colors.js';
import { AXIS_COLOR, dataAttrs, esc, FONT, MUTED_COLOR, middleBaseline, num, textEl, textWidth } from './svg.js';

/** Cell size in px (at 1×; 3× for a paper's 300 dpi). */
export const CELL = 12;

export interface GridCell {
  row: number;
  col: number;
  /** The fill colour; null draws the no-data hatching. */
  fill: string | null;
  /** The class of the cell (e.g. "cell"); "no-data" is added for null fills. */
  className: string;
  /** data-* attributes, in order. */
  data: Record<string, string | number>;
  /** The tooltip (<title>). */
  tooltip: string;
  /** A number printed in the cell, in a colour that reads on the fill. */
  label?: { text: string; color: string };
}

export interface GridGeometry {
  x: number;
  y: number;
  cellWidth: number;
  cellHeight: number;
}

/** The cells as <rect>s (hatching drawn over no-data cells), and a thin frame around rows × cols. */
export function drawGrid(g: GridGeometry, rows: number, cols: number, cells: readonly GridCell[]): string[] {
  const out: string[] = [];
  for (const c of cells) {
    const x = g.x + c.col * g.cellWidth;
    const y = g.y + c.row * g.cellHeight;
    const cls = c.fill === null ? `${c.className} no-data` : c.className;
    out.push(
      `<rect class="${cls}" x="${num(x)}" y="${num(y)}" width="${num(g.cellWidth)}" height="${num(g.cellHeight)}" ` +
        `fill="${c.fill ?? NO_DATA_FILL}" ${dataAttrs(c.data)}><title>${esc(c.tooltip)}</title></rect>`,
    );
    if (c.fill === null) out.push(hatch(x, y, g.cellWidth, g.cellHeight));
    if (c.label) {
      out.push(
        textEl(x + g.cellWidth / 2, middleBaseline(y + g.cellHeight / 2, FONT.cell), c.label.text, {
          size: FONT.cell,
          anchor: 'middle',
          fill: c.label.color,
          attrs: 'pointer-events="none"',
        }),
      );
    }
  }
  out.push(
    `<rect class="frame" x="${num(g.x)}" y="${num(g.y)}" width="${num(cols * g.cellWidth)}" ` +
      `height="${num(rows * g.cellHeight)}" fill="none" stroke="${AXIS_COLOR}" stroke-width="0.6"/>`,
  );
  return out;
}

/** Diagonal hatching over a w × h box: the no-data mark (no <pattern>, so no ids to clash in an HTML page). */
export function hatch(x: number, y: number, w: number, h: number): string {
  const d: string[] = [];
  // Lines of slope −1 every `step` px, clipped to the box by hand.
  const step = Math.max(3, Math.min(w, h) / 3);
  for (let k = step; k < w + h; k += step) {
    const x0 = x + Math.max(0, k - h);
    const y0 = y + Math.min(h, k);
    const x1 = x + Math.min(w, k);
    const y1 = y + Math.max(0, k - w);
    d.push(`M${num(x0)} ${num(y0)}L${num(x1)} ${num(y1)}`);
  }
  return `<path class="hatch" d="${d.join('')}" stroke="${NO_DATA_HATCH}" stroke-width="0.7" fill="none" pointer-events="none"/>`;
}

/** Labels under (or over) each column, centred. */
export function columnLabels(g: GridGeometry, labels: readonly string[], baseline: number, size = FONT.tick): string[] {
  return labels.map((text, i) =>
    textEl(g.x + (i + 0.5) * g.cellWidth, baseline, text, { size, anchor: 'middle', attrs: 'class="col-label"' }),
  );
}

/** Labels left of each row, right-aligned at `right`. */
export function rowLabels(g: GridGeometry, labels: readonly string[], right: number, size = FONT.tick): string[] {
  return labels.map((text, i) =>
    text === ''
      ? ''
      : textEl(right, middleBaseline(g.y + (i + 0.5) * g.cellHeight, size), text, {
          size,
          anchor: 'end',
          attrs: 'class="row-label"',
        }),
  );
}

/** A row's mark (e.g. † beside the δ of a decoder not converged) and the data-* attributes of its label. */
export interface RowMark {
  mark: string;
  data: Record<string, string | number>;
}

/**
 * Labels left of each row, as rowLabels() draws them, with the marked rows' marks after the label (in the marks'
 * colour) and their data-* attributes; a marked row is labelled even where `labels` leaves it blank.
 */
export function markedRowLabels(
  g: GridGeometry,
  labels: readonly string[],
  right: number,
  marks: readonly (RowMark | null)[],
  color: string,
  size = FONT.tick,
): string[] {
  const plain = rowLabels(g, labels, right, size);
  return plain.map((el, i) => {
    const m = marks[i];
    if (!m) return el;
    const y = middleBaseline(g.y + (i + 0.5) * g.cellHeight, size);
    return (
      `<text x="${num(right)}" y="${num(y)}" font-size="${num(size)}" text-anchor="end" ` +
      `class="row-label marked" ${dataAttrs(m.data)}>${esc(labels[i] ?? '')}` +
      `<tspan fill="${color}" font-weight="bold">${esc(m.mark)}</tspan></text>`
    );
  });
}

/** Row labels for δ = 1..D: every δ up to 20 rows, else 1 and every 5th. */
export function deltaLabels(maxDelta: number): string[] {
  return Array.from({ length: maxDelta }, (_, i) => {
    const d = i + 1;
    return maxDelta <= 20 || d === 1 || d % 5 === 0 ? String(d) : '';
  });
}

export interface ColorBarSpec {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The colour at fraction f ∈ [0, 1] of the bar, bottom to top. */
  colorAt: (f: number) => string;
  /** Ticks at fraction f (0 = bottom) with their labels. */
  ticks: readonly { f: number; label: string }[];
  /** Above the bar. */
  title: string;
  /** Words under the bar (e.g. "B better", the title saying what the top means). */
  bottomNote?: string;
  /** Add the "no data" legend entry under the bar. */
  noData?: boolean;
}

/** A vertical colour bar (1-px slices, no gradient ids), ticks and labels; returns its elements and its extent. */
export function drawColorBar(c: ColorBarSpec): { body: string[]; right: number; bottom: number } {
  const body: string[] = ['<g class="colorbar">'];
  body.push(textEl(c.x, c.y - 6, c.title, { size: FONT.tick, fill: MUTED_COLOR }));
  const slices = Math.max(2, Math.round(c.height));
  const h = c.height / slices;
  for (let i = 0; i < slices; i++) {
    const f = (i + 0.5) / slices;
    const top = c.y + c.height - (i + 1) * h;
    // Slightly taller than a slice, so no hairline gaps appear when rasterized.
    body.push(
      `<rect x="${num(c.x)}" y="${num(top)}" width="${num(c.width)}" height="${num(h + 0.5)}" fill="${c.colorAt(f)}"/>`,
    );
  }
  body.push(
    `<rect x="${num(c.x)}" y="${num(c.y)}" width="${num(c.width)}" height="${num(c.height)}" fill="none" stroke="${AXIS_COLOR}" stroke-width="0.6"/>`,
  );
  let right = c.x + c.width;
  for (const t of c.ticks) {
    const y = c.y + c.height - t.f * c.height;
    body.push(
      `<line x1="${num(c.x + c.width)}" y1="${num(y)}" x2="${num(c.x + c.width + 3)}" y2="${num(y)}" stroke="${AXIS_COLOR}" stroke-width="0.6"/>`,
    );
    body.push(textEl(c.x + c.width + 5, middleBaseline(y, FONT.tick), t.label, { size: FONT.tick }));
    right = Math.max(right, c.x + c.width + 5 + textWidth(t.label, FONT.tick));
  }
  right = Math.max(right, c.x + textWidth(c.title, FONT.tick));
  let bottom = c.y + c.height;
  if (c.bottomNote) {
    body.push(textEl(c.x, bottom + 13, c.bottomNote, { size: FONT.tick, fill: MUTED_COLOR }));
    right = Math.max(right, c.x + textWidth(c.bottomNote, FONT.tick));
    bottom += 15;
  }
  if (c.noData) {
    const y = bottom + 10;
    const size = 10;
    body.push(
      `<rect class="legend-no-data" x="${num(c.x)}" y="${num(y)}" width="${size}" height="${size}" fill="${NO_DATA_FILL}" stroke="${AXIS_COLOR}" stroke-width="0.6"/>`,
    );
    body.push(hatch(c.x, y, size, size));
    body.push(textEl(c.x + size + 5, middleBaseline(y + size / 2, FONT.tick), 'no data', { size: FONT.tick }));
    right = Math.max(right, c.x + size + 5 + textWidth('no data', FONT.tick));
    bottom = y + size;
  }
  body.push('</g>');
  return { body, right, bottom };
}
