// Geometry of the heatmap, pure: the marginal chart uses the same rows, so δ rows line up across both figures.

export interface HeatmapLayout {
  /** Left of the first column, top of the first row (δ = 1), in SVG pixels. */
  left: number;
  top: number;
  cellW: number;
  cellH: number;
  cols: number;
  rows: number;
  /** Top of the forward strip, and its height (0 without one). */
  forwardTop: number;
  forwardH: number;
  /** Top of the colour legend. */
  legendTop: number;
  /** Baseline of the line under the legend that explains the rows' marks (†), when there is one. */
  noteBaseline: number;
  width: number;
  height: number;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * Cells as large as `width` allows (14 to 34 px wide); rows share about 300 px (12 to 34 px tall). `note`: room for
 * a line under the legend (the meaning of the rows' marks).
 */
export function heatmapLayout(
  cols: number,
  rows: number,
  forward: boolean,
  width: number,
  note = false,
): HeatmapLayout {
  const left = 52;
  const right = 8;
  const top = 40;
  const cellW = clamp(Math.floor((width - left - right) / Math.max(1, cols)), 14, 34);
  const cellH = clamp(Math.floor(300 / Math.max(1, rows)), 12, 34);
  const gridBottom = top + cellH * rows;
  const forwardTop = gridBottom + 12;
  const forwardH = forward ? Math.min(cellH, 24) : 0;
  const legendTop = forward ? forwardTop + forwardH + 18 : gridBottom + 18;
  return {
    left,
    top,
    cellW,
    cellH,
    cols,
    rows,
    forwardTop,
    forwardH,
    legendTop,
    noteBaseline: legendTop + 46,
    width: left + cellW * cols + right,
    height: legendTop + 36 + (note ? 16 : 0),
  };
}

/** The y of the centre of row `row`. */
export function rowCenter(layout: HeatmapLayout, row: number): number {
  return layout.top + (row + 0.5) * layout.cellH;
}
