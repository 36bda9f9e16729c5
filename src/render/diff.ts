// The difference of two memory signatures (the paper's Figure 5): per δ and symbol, A's value minus B's, on a
// diverging scale centred at 0: red where A recalls better, blue where B does, white where they are equal. The two
// alphabets are aligned by symbol name (the symbols both have, in A's order) over the δs both cover.

import type { Signature } from '../analysis/signature-types.js';
import { divergingColor, textColorOn } from './colors.js';
import {
  isNotConverged,
  NOT_CONVERGED_COLOR,
  NOT_CONVERGED_MARK,
  NOT_CONVERGED_MARK_B,
  NOT_CONVERGED_NOTE,
} from './convergence-marks.js';
import {
  CELL,
  columnLabels,
  deltaLabels,
  drawColorBar,
  drawGrid,
  type GridCell,
  type GridGeometry,
  markedRowLabels,
  type RowMark,
  rowLabels,
} from './heatmap.js';
import {
  BODY_TOP,
  deltaAxisTitle,
  FOOTNOTE_HEIGHT,
  footnote,
  GUTTER,
  MARGIN,
  stateName,
  titleBlock,
} from './layout.js';
import {
  alignSignatures,
  cellValues,
  correctCount,
  defaultLayer,
  findLayer,
  type Metric,
  recallSignificance,
} from './signature-data.js';
import {
  bitsText,
  displaySymbol,
  FONT,
  groupDigits,
  nameSymbol,
  percent,
  pValueClause,
  svgDocument,
  textEl,
} from './svg.js';

export interface DiffOptions {
  /** Layers compared (1-based); default each signature's first layer. */
  layerA?: number;
  layerB?: number;
  metric?: Metric;
  /** Names in the title; default the models' labels. */
  labelA?: string;
  labelB?: string;
  /** The colour scale's end (the scale is −limit..+limit); default a round number ≥ the largest difference. */
  limit?: number;
  standalone?: boolean;
  /**
   * The cells to mark, when another test decides them (memsig diff of seed groups: Welch's t over seeds) instead of
   * the two-proportion test of two signatures; `name` describes it in the subtitle.
   */
  cellTest?: {
    cells: ({ p: number | null; significant: boolean } | null)[][];
    tested: number;
    q: number;
    name: string;
  };
}

/** A round number ≥ x (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k), at least `floor`. */
export function niceCeil(x: number, floor: number): number {
  if (!(x > floor)) return floor;
  const exp = Math.floor(Math.log10(x));
  for (let e = exp - 1; e <= exp + 1; e++) {
    for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8]) {
      const v = m * 10 ** e;
      // Rounded so that 0.1 + float noise does not become 0.2.
      if (v >= x * (1 - 1e-9)) return Number(v.toPrecision(6));
    }
  }
  return x;
}

export function renderDiffSvg(a: Signature, b: Signature, options: DiffOptions = {}): string {
  const metric = options.metric ?? 'accuracy';
  const layerA = findLayer(a, options.layerA ?? defaultLayer(a), 'A');
  const layerB = findLayer(b, options.layerB ?? defaultLayer(b), 'B');
  const labelA = options.labelA ?? a.model.label;
  const labelB = options.labelB ?? b.model.label;
  const align = alignSignatures(a, b);
  const D = align.maxDelta;
  const V = align.symbols.length;
  // values[row][col] = A − B, or null where either has no data.
  const rows = Array.from({ length: D }, (_, row) => {
    const da = layerA.deltas[row]!;
    const db = layerB.deltas[row]!;
    const va = cellValues(da, metric);
    const vb = cellValues(db, metric);
    return align.symbols.map((_, col) => {
      const x = va[align.indexA[col]!] ?? null;
      const y = vb[align.indexB[col]!] ?? null;
      return { a: x, b: y, diff: x === null || y === null ? null : x - y };
    });
  });
  // Recall differences beyond sampling noise: a two-proportion test per cell, Benjamini–Hochberg over the cells.
  const significance = metric !== 'accuracy' ? null : (options.cellTest ?? recallSignificance(layerA, layerB, align));
  const testName = options.cellTest?.name ?? 'two-proportion test';
  const largest = Math.max(0, ...rows.flat().map((c) => (c.diff === null ? 0 : Math.abs(c.diff))));
  const limit = options.limit ?? niceCeil(largest, metric === 'accuracy' ? 0.05 : 0.25);
  const cells: GridCell[] = [];
  rows.forEach((cols, row) => {
    const delta = row + 1;
    cols.forEach((c, col) => {
      const symbol = align.symbols[col]!;
      const sa = align.indexA[col]!;
      const sb = align.indexB[col]!;
      const da = layerA.deltas[row]!;
      const db = layerB.deltas[row]!;
      const show = (v: number | null, d: typeof da, s: number) =>
        v === null
          ? 'no data'
          : metric === 'accuracy'
            ? `${percent(v)} (${groupDigits(correctCount(d, s))} of ${groupDigits(d.count[s]!)})`
            : `${bitsText(v)} bits`;
      const fill = c.diff === null ? null : divergingColor(c.diff / limit);
      const test = significance?.cells[row]?.[col] ?? null;
      const verdict =
        test === null || c.diff === null
          ? ''
          : test.p === null
            ? ' · too few positions to test'
            : ` · ${pValueClause(test.p)}${test.significant ? `, beyond chance at FDR ${significance!.q * 100}%` : ''}`;
      cells.push({
        row,
        col,
        fill,
        className: 'cell',
        data: {
          symbol,
          delta,
          value: c.diff ?? '',
          a: c.a ?? '',
          b: c.b ?? '',
          ...(test?.p != null ? { p: Number(test.p.toPrecision(4)), significant: test.significant ? 1 : 0 } : {}),
          ...convergedData(da, db),
        },
        tooltip:
          `${nameSymbol(symbol)} · δ ${delta}: A ${show(c.a, da, sa)} · B ${show(c.b, db, sb)}` +
          (c.diff === null ? '' : ` · A − B ${signed(c.diff, metric)}`) +
          verdict +
          convergedWords(da, db),
        ...(test?.significant && fill !== null ? { label: { text: '•', color: textColorOn(fill) } } : {}),
      });
    });
  });
  const title = `A: ${labelA}, layer ${layerA.layer} − B: ${labelB}, layer ${layerB.layer}`;
  const what = metric === 'accuracy' ? 'difference in recall' : 'difference in information (bits)';
  let subtitle = `${what}: red = A better, blue = B better · ${V} shared symbols · δ 1–${D}`;
  if (a.state !== b.state) subtitle += ` · A ${stateName(a.state)}, B ${stateName(b.state)}`;
  if (significance) {
    subtitle += ` · • beyond chance (${testName}, FDR ${significance.q * 100}% over ${significance.tested} cells)`;
  }
  const left = [
    align.onlyA.length ? `only in A: ${align.onlyA.map(displaySymbol).join(' ')}` : '',
    align.onlyB.length ? `only in B: ${align.onlyB.map(displaySymbol).join(' ')}` : '',
  ].filter((s) => s !== '');
  if (left.length) subtitle += ` · left out: ${left.join('; ')}`;
  const head = titleBlock(title, subtitle);
  const body = [...head.body];
  const grid: GridGeometry = { x: MARGIN + GUTTER, y: BODY_TOP, cellWidth: CELL, cellHeight: CELL };
  body.push('<g class="panel">');
  body.push(...drawGrid(grid, D, V, cells));
  // † beside δ where A's decoder is not converged, ‡ where B's is: that side's recall may still rise.
  const marks = Array.from({ length: D }, (_, row): RowMark | null => {
    const da = layerA.deltas[row]!;
    const db = layerB.deltas[row]!;
    const mark = (isNotConverged(da) ? NOT_CONVERGED_MARK : '') + (isNotConverged(db) ? NOT_CONVERGED_MARK_B : '');
    return mark === '' ? null : { mark, data: { delta: row + 1, ...convergedData(da, db) } };
  });
  const marked = marks.filter((m) => m !== null);
  body.push(
    ...(marked.length > 0
      ? markedRowLabels(grid, deltaLabels(D), grid.x - 5, marks, NOT_CONVERGED_COLOR)
      : rowLabels(grid, deltaLabels(D), grid.x - 5)),
  );
  body.push(
    textEl(MARGIN + 10, BODY_TOP + (D * CELL) / 2, deltaAxisTitle(D * CELL), {
      size: FONT.tick,
      anchor: 'middle',
      rotate: -90,
      attrs: 'class="axis-title"',
    }),
  );
  const bottom = BODY_TOP + D * CELL;
  body.push(...columnLabels(grid, align.symbols.map(displaySymbol), bottom + 12));
  body.push(
    textEl(grid.x + (V * CELL) / 2, bottom + 28, 'symbol', {
      size: FONT.tick,
      anchor: 'middle',
      attrs: 'class="axis-title"',
    }),
  );
  body.push('</g>');
  const bar = drawColorBar({
    x: grid.x + V * CELL + 18,
    y: BODY_TOP,
    width: 11,
    height: Math.max(D * CELL, 84),
    colorAt: (f) => divergingColor(2 * f - 1),
    ticks: [-1, -0.5, 0, 0.5, 1].map((t) => ({ f: (t + 1) / 2, label: signed(t * limit, metric) })),
    title: 'A better (A − B)',
    bottomNote: 'B better',
    noData: cells.some((c) => c.fill === null),
  });
  body.push(...bar.body);
  let width = Math.max(bar.right + MARGIN, head.width);
  let height = Math.max(bottom + 34, bar.bottom) + MARGIN;
  if (marked.length > 0) {
    const a = marked.some((m) => m.mark.includes(NOT_CONVERGED_MARK));
    const b = marked.some((m) => m.mark.includes(NOT_CONVERGED_MARK_B));
    const parts: [string, string][] =
      a && b
        ? [
            [NOT_CONVERGED_MARK, 'A’s decoder,'],
            [NOT_CONVERGED_MARK_B, `B’s decoder ${NOT_CONVERGED_NOTE}`],
          ]
        : [
            a
              ? [NOT_CONVERGED_MARK, `A’s decoder ${NOT_CONVERGED_NOTE}`]
              : [NOT_CONVERGED_MARK_B, `B’s decoder ${NOT_CONVERGED_NOTE}`],
          ];
    const note = footnote(MARGIN, height - MARGIN + 12, parts, NOT_CONVERGED_COLOR);
    body.push(note.body);
    width = Math.max(width, MARGIN + note.width + MARGIN);
    height += FOOTNOTE_HEIGHT;
  }
  return svgDocument(width, height, body, { title: `Signature difference: ${title}`, standalone: options.standalone });
}

/** "+5.4 pp" (recall, in percentage points) or "+0.25" (bits); "0" for zero. */
function signed(x: number, metric: Metric): string {
  const text =
    metric === 'accuracy' ? `${Number((100 * Math.abs(x)).toFixed(1))} pp` : `${Number(Math.abs(x).toFixed(2))}`;
  if (Math.abs(x) < 1e-12) return metric === 'accuracy' ? '0 pp' : '0';
  return `${x > 0 ? '+' : '−'}${text}`;
}

/** data-converged-a / -b = "false" where that side's decoder is not converged (nothing for converged or version 1). */
function convergedData(a: DeltaSignatureLike, b: DeltaSignatureLike): Record<string, string> {
  return {
    ...(isNotConverged(a) ? { 'converged-a': 'false' } : {}),
    ...(isNotConverged(b) ? { 'converged-b': 'false' } : {}),
  };
}

function convergedWords(a: DeltaSignatureLike, b: DeltaSignatureLike): string {
  const sides = [isNotConverged(a) ? 'A' : '', isNotConverged(b) ? 'B' : ''].filter((x) => x !== '');
  if (sides.length === 0) return '';
  return ` · ${sides.join(' and ')}: decoder ${NOT_CONVERGED_NOTE}`;
}

type DeltaSignatureLike = Parameters<typeof isNotConverged>[0];
