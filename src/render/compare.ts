// Several signatures in one figure: labelled memory-signature panels side by side on one shared colour scale (the
// paper's Figures 4, 6 and 7), or their marginal recall together (Figure 2: a δ × model table and one line per model).

import type { LayerSignature, Signature } from '../analysis/signature-types.js';
import { type Palette, sequentialColor } from './colors.js';
import { drawColorBar } from './heatmap.js';
import { BODY_TOP, colorBarTicks, FOOTNOTE_HEIGHT, MARGIN, metricTitle, titleBlock } from './layout.js';
import { type MarginalSeries, marginalBody } from './marginal.js';
import { defaultLayer, findLayer, type Metric, scaleMax } from './signature-data.js';
import { notConvergedNote, type Panel, signaturePanel } from './signature-figure.js';
import { svgDocument } from './svg.js';

export interface CompareEntry {
  sig: Signature;
  /** The panel's or line's name. */
  label: string;
  /** 1-based layer; default the signature's first. */
  layer?: number;
}

export interface CompareOptions {
  kind?: 'signature' | 'marginal';
  metric?: Metric;
  palette?: Palette;
  /** Panels per row (signature kind); default up to 3. */
  columns?: number;
  /** The figure's title; default "Memory signatures" / "Marginal recall". */
  title?: string;
  standalone?: boolean;
}

/** Panel letters: a, b, …, z, aa, ab, … */
export function panelLetter(i: number): string {
  let n = i;
  let s = '';
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

export function renderCompareSvg(entries: readonly CompareEntry[], options: CompareOptions = {}): string {
  if (entries.length === 0) throw new RangeError('renderCompareSvg needs at least one signature');
  const kind = options.kind ?? 'signature';
  const metric = options.metric ?? 'accuracy';
  const palette = options.palette ?? 'purple';
  const resolved = entries.map((e) => ({ ...e, layerSig: findLayer(e.sig, e.layer ?? defaultLayer(e.sig), e.label) }));
  if (kind === 'marginal') {
    const series: MarginalSeries[] = resolved.map((e, i) => ({
      key: panelLetter(i),
      name: caption(i, e.label, e.layerSig),
      deltas: e.layerSig.deltas,
      alphabetSize: e.sig.alphabet.length,
      data: { series: i, label: e.label, layer: e.layerSig.layer },
    }));
    const title = options.title ?? 'Marginal recall';
    const subtitle =
      metric === 'accuracy'
        ? 'accuracy over all symbols per δ · one column and one line per model'
        : 'information recovered per δ, bits per symbol · one column and one line per model';
    const head = titleBlock(title, subtitle);
    const chart = marginalBody(series, metric, palette, MARGIN, BODY_TOP);
    return svgDocument(
      Math.max(MARGIN * 2 + chart.width, head.width),
      BODY_TOP + chart.height + MARGIN,
      [...head.body, ...chart.body],
      { title: `${title}: ${entries.map((e) => e.label).join(', ')}`, standalone: options.standalone },
    );
  }
  const max = scaleMax(
    metric,
    resolved.map((e) => e.sig.alphabet.length),
  );
  const columns = Math.max(1, Math.min(options.columns ?? 3, resolved.length));
  const GAP_X = 28;
  const GAP_Y = 10;
  // Lay panels out row by row: each column as wide as its widest panel, each row as tall as its tallest.
  const panels: Panel[] = [];
  const colWidths = new Array<number>(columns).fill(0);
  const rowHeights: number[] = [];
  // A first pass measures (panels are cheap to build), the second places.
  resolved.forEach((e, i) => {
    const p = signaturePanel(e.sig, e.layerSig, 0, 0, {
      metric,
      palette,
      max,
      forward: false,
      caption: caption(i, e.label, e.layerSig),
    });
    const c = i % columns;
    const r = Math.floor(i / columns);
    colWidths[c] = Math.max(colWidths[c]!, p.width);
    rowHeights[r] = Math.max(rowHeights[r] ?? 0, p.height);
  });
  const body: string[] = [];
  let noData = false;
  resolved.forEach((e, i) => {
    const c = i % columns;
    const r = Math.floor(i / columns);
    const x = MARGIN + colWidths.slice(0, c).reduce((a, b) => a + b + GAP_X, 0);
    const y = BODY_TOP + rowHeights.slice(0, r).reduce((a, b) => a + b + GAP_Y, 0);
    const p = signaturePanel(e.sig, e.layerSig, x, y, {
      metric,
      palette,
      max,
      forward: false,
      caption: caption(i, e.label, e.layerSig),
    });
    panels.push(p);
    noData ||= p.noData;
    body.push(...p.body);
  });
  const gridRight = MARGIN + colWidths.reduce((a, b) => a + b, 0) + GAP_X * (columns - 1);
  const gridBottom = BODY_TOP + rowHeights.reduce((a, b) => a + b, 0) + GAP_Y * (rowHeights.length - 1);
  const first = panels[0]!;
  const bar = drawColorBar({
    x: gridRight + 18,
    y: first.heatTop,
    width: 11,
    height: Math.max(first.heatHeight, 84),
    colorAt: (f) => sequentialColor(palette, f),
    ticks: colorBarTicks(metric, max),
    title: metricTitle(metric),
    noData,
  });
  body.push(...bar.body);
  const title = options.title ?? 'Memory signatures';
  const subtitle =
    (metric === 'accuracy' ? 'recall of the symbol δ steps back' : 'information about the symbol δ steps back, bits') +
    (resolved.length > 1 ? ' · one colour scale for all panels' : '');
  const head = titleBlock(title, subtitle);
  let width = Math.max(bar.right + MARGIN, head.width);
  let height = Math.max(gridBottom, bar.bottom) + MARGIN;
  if (panels.some((p) => p.notConverged > 0)) {
    const note = notConvergedNote(MARGIN, height - MARGIN + 12);
    body.push(note.body);
    width = Math.max(width, MARGIN + note.width + MARGIN);
    height += FOOTNOTE_HEIGHT;
  }
  return svgDocument(width, height, [...head.body, ...body], {
    title: `${title}: ${entries.map((e) => e.label).join(', ')}`,
    standalone: options.standalone,
  });
}

/** "a. GRU · layer 2"; a speech model's layer by what it is: "a. first encoder layer · listener layer 1". */
function caption(i: number, label: string, layer: LayerSignature): string {
  return `${panelLetter(i)}. ${label} · ${layer.speech ? layer.speech.label : `layer ${layer.layer}`}`;
}
