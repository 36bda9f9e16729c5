// Figures of one signature: the memory-signature heatmap (the paper's Figure 1a, δ × symbol) with the language
// model's next-symbol accuracy strip under it (Figure 1b), the strip alone, one decoder's confusion matrix, and the
// marginal figures (marginal.ts). renderSignatureSvg() is the entry point.

import type { DeltaSignature, LayerSignature, Signature } from '../analysis/signature-types.js';
import { UserError } from '../core/errors.js';
import { type Palette, sequentialColor } from './colors.js';
import { isNotConverged, NOT_CONVERGED_COLOR, NOT_CONVERGED_MARK, NOT_CONVERGED_NOTE } from './convergence-marks.js';
import {
  CELL,
  columnLabels,
  deltaLabels,
  drawColorBar,
  drawGrid,
  type GridCell,
  type GridGeometry,
  markedRowLabels,
  rowLabels,
} from './heatmap.js';
import {
  BODY_TOP,
  chanceText,
  colorBarTicks,
  deltaAxisTitle,
  FOOTNOTE_HEIGHT,
  footnote,
  GUTTER,
  MARGIN,
  metricTitle,
  positionsText,
  stateName,
  textBaselineText,
  titleBlock,
} from './layout.js';
import { renderMarginalSvg, signedPoints } from './marginal.js';
import {
  cellValues,
  correctCount,
  defaultLayer,
  findLayer,
  type Metric,
  requireTextBaseline,
  scaleMax,
} from './signature-data.js';
import {
  bitsText,
  displaySymbol,
  FONT,
  groupDigits,
  MUTED_COLOR,
  nameSymbol,
  percent,
  svgDocument,
  textEl,
  textWidth,
} from './svg.js';

export type FigureKind = 'signature' | 'forward' | 'marginal' | 'confusion';

export interface SignatureFigureOptions {
  /** 1-based layer; default the first layer (for 'marginal': all layers). */
  layer?: number;
  kind?: FigureKind;
  /** 'accuracy' (recall) or 'bits' (information; see docs/figures.md). The forward strip is always accuracy. */
  metric?: Metric;
  palette?: Palette;
  /** The decoder's δ, for 'confusion' (required there). */
  delta?: number;
  /** Names the model in the title; default the signature's model label. */
  label?: string;
  /** false: for inlining in HTML (no XML declaration, no namespace URL). Default true. */
  standalone?: boolean;
}

/** An SVG figure of `sig` (see SignatureFigureOptions); deterministic: the same input gives the same text. */
export function renderSignatureSvg(sig: Signature, options: SignatureFigureOptions = {}): string {
  const kind = options.kind ?? 'signature';
  const metric = options.metric ?? 'accuracy';
  const palette = options.palette ?? 'purple';
  const label = options.label ?? sig.model.label;
  const standalone = options.standalone ?? true;
  if (metric === 'excess' && (kind === 'signature' || kind === 'marginal')) requireTextBaseline(sig);
  if (kind === 'marginal') {
    const layers = options.layer === undefined ? undefined : [options.layer];
    return renderMarginalSvg(sig, { layers, metric, palette, label, standalone });
  }
  const layer = findLayer(sig, options.layer ?? defaultLayer(sig));
  switch (kind) {
    case 'signature':
      return signatureFigure(sig, layer, metric, palette, label, standalone);
    case 'forward':
      return forwardFigure(sig, palette, label, standalone);
    case 'confusion': {
      if (options.delta === undefined) throw new UserError(`a confusion figure needs a δ (1 to ${sig.maxDelta})`);
      return confusionFigure(sig, layer, options.delta, palette, label, standalone);
    }
    default:
      throw new UserError(`unknown figure kind ${JSON.stringify(kind)}`);
  }
}

// ---- The signature panel (heatmap + optional forward strip), also used by the comparison figure ----

export interface PanelOptions {
  metric: Metric;
  palette: Palette;
  /** The top of the colour scale (1 for recall). */
  max: number;
  /** A caption line over the heatmap (comparison panels). */
  caption?: string;
  /** Draw the forward strip under the heatmap when the signature has one. */
  forward: boolean;
}

export interface Panel {
  body: string[];
  width: number;
  height: number;
  /** Whether any cell has no data (the legend then shows the hatching). */
  noData: boolean;
  /** Top of the heatmap, relative to the figure. */
  heatTop: number;
  heatHeight: number;
  /** Rows whose decoder is not converged (marked †; the figure then explains the mark). */
  notConverged: number;
}

/** The footnote that explains the † beside a δ, under a figure at `baseline`. */
export function notConvergedNote(x: number, baseline: number): ReturnType<typeof footnote> {
  return footnote(x, baseline, [[NOT_CONVERGED_MARK, NOT_CONVERGED_NOTE]], NOT_CONVERGED_COLOR);
}

export function signaturePanel(sig: Signature, layer: LayerSignature, x: number, y: number, o: PanelOptions): Panel {
  const body: string[] = [`<g class="panel" data-layer="${layer.layer}">`];
  const V = sig.alphabet.length;
  const D = sig.maxDelta;
  let cy = y;
  if (o.caption) {
    body.push(textEl(x, cy + 11, o.caption, { size: FONT.label, weight: 'bold', attrs: 'class="caption"' }));
    cy += 20;
  }
  const heatTop = cy;
  const grid: GridGeometry = { x: x + GUTTER, y: heatTop, cellWidth: CELL, cellHeight: CELL };
  const cells: GridCell[] = [];
  let noData = false;
  const rows = panelRows(layer);
  const R = rows.length;
  rows.forEach((d, row) => {
    const values = cellValues(d, o.metric);
    // A decoder not converged keeps its colours (the data stays readable); its row's label and cells say so.
    const unconverged = isNotConverged(d);
    sig.alphabet.forEach((symbol, s) => {
      const value = values[s] ?? null;
      if (value === null) noData = true;
      const data = {
        symbol,
        delta: d.delta,
        layer: layer.layer,
        value: value === null ? '' : value,
        count: d.count[s]!,
      };
      const tooltip = cellTooltip(sig, layer, d, s, o.metric, value);
      cells.push({
        row,
        col: s,
        fill: value === null ? null : sequentialColor(o.palette, value / o.max),
        className: 'cell',
        data: unconverged ? { ...data, converged: 'false' } : data,
        tooltip: unconverged ? `${tooltip} · decoder ${NOT_CONVERGED_NOTE}` : tooltip,
      });
    });
  });
  body.push(...drawGrid(grid, R, V, cells));
  const marks = rows.map((d) =>
    isNotConverged(d)
      ? { mark: NOT_CONVERGED_MARK, data: { delta: d.delta, layer: layer.layer, converged: 'false' } }
      : null,
  );
  const notConverged = marks.filter((m) => m !== null).length;
  // δ = 0 (a speech layer's `current`) labelled 0 above the δ rows.
  const labels = R > D ? ['0', ...deltaLabels(D)] : deltaLabels(D);
  body.push(
    ...(notConverged > 0
      ? markedRowLabels(grid, labels, grid.x - 5, marks, NOT_CONVERGED_COLOR)
      : rowLabels(grid, labels, grid.x - 5)),
  );
  const heatHeight = R * CELL;
  body.push(
    textEl(x + 10, heatTop + heatHeight / 2, deltaAxisTitle(heatHeight), {
      size: FONT.tick,
      anchor: 'middle',
      rotate: -90,
      attrs: 'class="axis-title"',
    }),
  );
  cy = heatTop + heatHeight;
  const symbols = sig.alphabet.map(displaySymbol);
  body.push(...columnLabels(grid, symbols, cy + 12));
  cy += 16;
  if (o.forward && sig.forward) {
    const f = sig.forward;
    cy += 6;
    body.push(
      textEl(grid.x, cy + 9, `next-symbol accuracy of the language model (overall ${percent(f.accuracy)})`, {
        size: FONT.tick,
        fill: MUTED_COLOR,
        attrs: 'class="strip-caption"',
      }),
    );
    cy += 14;
    const strip: GridGeometry = { x: grid.x, y: cy, cellWidth: CELL, cellHeight: CELL };
    body.push(...drawGrid(strip, 1, V, forwardCells(sig, o.palette)));
    body.push(...rowLabels(strip, ['next'], strip.x - 5));
    noData ||= f.recall.some((r) => r === null);
    cy += CELL;
    body.push(...columnLabels(strip, symbols, cy + 12));
    cy += 16;
  }
  body.push(
    textEl(grid.x + (V * CELL) / 2, cy + 10, 'symbol', {
      size: FONT.tick,
      anchor: 'middle',
      attrs: 'class="axis-title"',
    }),
  );
  cy += 14;
  body.push('</g>');
  const width = Math.max(GUTTER + V * CELL, o.caption ? textWidth(o.caption, FONT.label) * 1.05 : 0);
  return { body, width, height: cy - y, noData, heatTop, heatHeight, notConverged };
}

/**
 * The heatmap's rows: δ = 1..Δ, after δ = 0 when the layer measured it (a speech layer's `current`: the symbol
 * being spoken or spelled at the position).
 */
export function panelRows(layer: LayerSignature): DeltaSignature[] {
  return layer.current ? [layer.current, ...layer.deltas] : layer.deltas;
}

function cellTooltip(
  sig: Signature,
  layer: LayerSignature,
  d: DeltaSignature,
  s: number,
  metric: Metric,
  value: number | null,
): string {
  const head = `${nameSymbol(sig.alphabet[s]!)} · δ ${d.delta} · layer ${layer.layer}`;
  const n = d.count[s]!;
  if (n === 0) return `${head}: no data (no eval position had this symbol δ back)`;
  const recall = `recall ${percent(d.recall[s] ?? null)} (${groupDigits(correctCount(d, s))} of ${groupDigits(n)})`;
  const chance = `chance ${percent(d.prior[s]!)} (its prior)`;
  if (metric === 'bits') return `${head}: ${bitsText(value)} bits · ${recall} · ${chance}`;
  const text = d.textBaseline?.recall[s];
  if (metric === 'excess' && value !== null && text != null) {
    return `${head}: ${signedPoints(value)} above the text alone · ${recall} · text alone ${percent(text)}`;
  }
  return `${head}: ${recall} · ${chance}`;
}

/** The forward strip's cells: the LM's accuracy on positions whose next symbol is s. */
function forwardCells(sig: Signature, palette: Palette): GridCell[] {
  const f = sig.forward!;
  return sig.alphabet.map((symbol, s) => {
    const value = f.recall[s] ?? null;
    const head = `${nameSymbol(symbol)} as the next symbol`;
    return {
      row: 0,
      col: s,
      fill: value === null ? null : sequentialColor(palette, value),
      className: 'fwd-cell',
      data: { symbol, value: value === null ? '' : value, count: f.count[s]!, correct: f.correct[s]! },
      tooltip:
        value === null
          ? `${head}: no data (never the next symbol in eval)`
          : `${head}: predicted ${groupDigits(f.correct[s]!)} of ${groupDigits(f.count[s]!)} (${percent(value)})`,
    };
  });
}

// ---- Figures ----

function signatureFigure(
  sig: Signature,
  layer: LayerSignature,
  metric: Metric,
  palette: Palette,
  label: string,
  standalone: boolean,
): string {
  const max = scaleMax(metric, [sig.alphabet.length]);
  const what =
    metric === 'accuracy'
      ? 'recall of the symbol δ steps back'
      : metric === 'excess'
        ? 'recall of the symbol δ steps back above the text alone (the best guess from the symbols after it)'
        : 'information about the symbol δ steps back, bits per symbol';
  const title = `${label} · layer ${layer.layer} · ${stateName(sig.state)}`;
  const reference = metric === 'excess' ? `text alone ${textBaselineText(layer)}` : `chance ${chanceText(layer)}`;
  const subtitle = `${what} · ${positionsText(layer)} eval positions · ${reference}`;
  const head = titleBlock(title, subtitle);
  // The strip is accuracy: it goes with the recall heatmap only, where both share one colour scale.
  const panel = signaturePanel(sig, layer, MARGIN, BODY_TOP, { metric, palette, max, forward: metric === 'accuracy' });
  const bar = drawColorBar({
    x: MARGIN + panel.width + 18,
    y: panel.heatTop,
    width: 11,
    height: Math.max(panel.heatHeight, 84),
    colorAt: (f) => sequentialColor(palette, f),
    ticks: colorBarTicks(metric, max),
    title: metricTitle(metric),
    noData: panel.noData,
  });
  let width = Math.max(bar.right + MARGIN, head.width);
  let height = Math.max(BODY_TOP + panel.height, bar.bottom) + MARGIN;
  const body = [...head.body, ...panel.body, ...bar.body];
  if (panel.notConverged > 0) {
    const note = notConvergedNote(MARGIN, height - MARGIN + 12);
    body.push(note.body);
    width = Math.max(width, MARGIN + note.width + MARGIN);
    height += FOOTNOTE_HEIGHT;
  }
  return svgDocument(width, height, body, {
    title: `Memory signature: ${title}`,
    standalone,
  });
}

function forwardFigure(sig: Signature, palette: Palette, label: string, standalone: boolean): string {
  const f = sig.forward;
  if (!f) throw new UserError('the signature has no forward (next-symbol) accuracy');
  const V = sig.alphabet.length;
  const title = `${label} · next-symbol accuracy`;
  const subtitle = `the language model's accuracy by the true next symbol · overall ${percent(f.accuracy)} · perplexity ${f.perplexity.toFixed(2)}`;
  const head = titleBlock(title, subtitle);
  const body = [...head.body];
  const top = BODY_TOP + 8;
  const strip: GridGeometry = { x: MARGIN + GUTTER, y: top, cellWidth: CELL, cellHeight: CELL };
  body.push(...drawGrid(strip, 1, V, forwardCells(sig, palette)));
  body.push(...rowLabels(strip, ['next'], strip.x - 5));
  body.push(...columnLabels(strip, sig.alphabet.map(displaySymbol), top + CELL + 12));
  body.push(
    textEl(strip.x + (V * CELL) / 2, top + CELL + 28, 'symbol', {
      size: FONT.tick,
      anchor: 'middle',
      attrs: 'class="axis-title"',
    }),
  );
  const bar = drawColorBar({
    x: strip.x + V * CELL + 18,
    y: top,
    width: 11,
    height: 64,
    colorAt: (t) => sequentialColor(palette, t),
    ticks: colorBarTicks('accuracy', 1),
    title: 'accuracy',
    noData: f.recall.some((r) => r === null),
  });
  body.push(...bar.body);
  const width = Math.max(bar.right + MARGIN, head.width);
  const height = Math.max(top + CELL + 34, bar.bottom) + MARGIN;
  return svgDocument(width, height, body, { title: `Next-symbol accuracy: ${label}`, standalone });
}

const CONFUSION_CELL = 12;

function confusionFigure(
  sig: Signature,
  layer: LayerSignature,
  delta: number,
  palette: Palette,
  label: string,
  standalone: boolean,
): string {
  if (!Number.isInteger(delta) || delta < 1 || delta > sig.maxDelta) {
    throw new UserError(`no decoder for δ = ${delta} (the signature has δ = 1 to ${sig.maxDelta})`);
  }
  const d = layer.deltas[delta - 1]!;
  const V = sig.alphabet.length;
  const unconverged = isNotConverged(d);
  const title = `${label} · layer ${layer.layer} · δ = ${delta}${unconverged ? NOT_CONVERGED_MARK : ''} · confusion matrix`;
  const subtitle =
    `rows: true symbol δ back · columns: the decoder's guess · colour: share of the row · ` +
    `accuracy ${percent(d.accuracy)} (${groupDigits(d.positions.eval)})`;
  const head = titleBlock(title, subtitle);
  const body = [...head.body];
  const symbols = sig.alphabet.map(displaySymbol);
  const top = BODY_TOP + 34;
  const grid: GridGeometry = { x: MARGIN + GUTTER, y: top, cellWidth: CONFUSION_CELL, cellHeight: CONFUSION_CELL };
  const cells: GridCell[] = [];
  let noData = false;
  d.confusion.forEach((row, t) => {
    const n = d.count[t]!;
    if (n === 0) noData = true;
    row.forEach((c, p) => {
      const value = n === 0 ? null : c / n;
      cells.push({
        row: t,
        col: p,
        fill: value === null ? null : sequentialColor(palette, value),
        className: 'cell',
        data: {
          symbol: sig.alphabet[t]!,
          predicted: sig.alphabet[p]!,
          delta,
          layer: layer.layer,
          value: value === null ? '' : value,
          count: c,
        },
        tooltip:
          n === 0
            ? `true ${nameSymbol(sig.alphabet[t]!)}: no data (no eval position)`
            : `true ${nameSymbol(sig.alphabet[t]!)}, guessed ${nameSymbol(sig.alphabet[p]!)}: ${groupDigits(c)} of ${groupDigits(n)} (${percent(value)})`,
      });
    });
  });
  body.push(...drawGrid(grid, V, V, cells));
  // The diagonal (correct guesses) outlined, so it can be followed across the matrix.
  const diagonal = sig.alphabet
    .map(
      (_, i) =>
        `M${grid.x + i * CONFUSION_CELL} ${top + i * CONFUSION_CELL}h${CONFUSION_CELL}v${CONFUSION_CELL}h-${CONFUSION_CELL}z`,
    )
    .join('');
  body.push(
    `<path class="diagonal" d="${diagonal}" fill="none" stroke="#000000" stroke-opacity="0.35" stroke-width="0.6"/>`,
  );
  body.push(...rowLabels(grid, symbols, grid.x - 5));
  body.push(...columnLabels(grid, symbols, top - 5));
  body.push(
    textEl(grid.x + (V * CONFUSION_CELL) / 2, top - 20, 'guessed symbol', {
      size: FONT.tick,
      anchor: 'middle',
      attrs: 'class="axis-title"',
    }),
  );
  body.push(
    textEl(MARGIN + 10, top + (V * CONFUSION_CELL) / 2, 'true symbol (δ back)', {
      size: FONT.tick,
      anchor: 'middle',
      rotate: -90,
      attrs: 'class="axis-title"',
    }),
  );
  const bar = drawColorBar({
    x: grid.x + V * CONFUSION_CELL + 18,
    y: top,
    width: 11,
    height: Math.max(84, Math.min(V * CONFUSION_CELL, 160)),
    colorAt: (t) => sequentialColor(palette, t),
    ticks: colorBarTicks('accuracy', 1),
    title: 'of the row',
    noData,
  });
  body.push(...bar.body);
  let width = Math.max(bar.right + MARGIN, head.width);
  let height = Math.max(top + V * CONFUSION_CELL, bar.bottom) + MARGIN;
  if (unconverged) {
    const note = notConvergedNote(MARGIN, height - MARGIN + 12);
    body.push(note.body);
    width = Math.max(width, MARGIN + note.width + MARGIN);
    height += FOOTNOTE_HEIGHT;
  }
  return svgDocument(width, height, body, { title: `Confusion matrix: ${title}`, standalone });
}
