// From a view state to what the figures draw (pure): heatmap cells and colours, the marginal chart's series, the
// title and the help line. The DOM code only draws these. Cell values, colour scales and colour-bar ticks are the
// figures' own (src/render/metric.ts and colors.ts), so `memsig view` and `memsig render` draw a signature alike.

import type { LayerSignature } from '../../analysis/signature-types.js';
import { divergingColor, sequentialColor } from '../../render/colors.js';
import {
  isNotConverged,
  NOT_CONVERGED_MARK,
  NOT_CONVERGED_MARK_B,
  NOT_CONVERGED_NOTE,
} from '../../render/convergence-marks.js';
import { colorBarTicks, hasTextBaseline } from '../../render/metric.js';
import { seedCountText } from '../../render/seed-label.js';
import { paletteAccent, paletteEnds } from './color.js';
import {
  describeDiffCell,
  describeForwardCell,
  describeSignatureCell,
  sideLabel,
  type TipContent,
} from './describe.js';
import { formatBits, formatPercent, formatPoints } from './format.js';
import { diffGrid, type Side, signatureGrid } from './grid.js';
import type { HeatmapSpec } from './heatmap.js';
import type { MarginalSeries, MarginalSpec } from './marginal.js';
import type { Loaded, ViewState } from './state.js';

export interface FigureSpec {
  title: string;
  help: string;
  heatmap: HeatmapSpec;
  marginal: MarginalSpec;
  /** The tooltip's content for a heatmap cell (row = grid.deltas.length is the forward strip). */
  describe: (row: number, col: number) => TipContent | null;
}

export type FigureResult = { ok: true; figure: FigureSpec } | { ok: false; title: string; message: string };

const OTHER_LAYER_COLORS = ['#a1a1aa', '#71717a', '#d4d4d8', '#52525b'];
const A_COLOR = '#b2182b';
const B_COLOR = '#2166ac';

export function figureFor(state: ViewState, loaded: readonly Loaded[]): FigureResult {
  return state.mode === 'diff' ? diffFigure(state, loaded) : signatureFigure(state, loaded);
}

function stateWord(sigState: string): string {
  return sigState === 'c' ? 'cell state c' : 'hidden state h';
}

/** The marks beside δ where a decoder is not converged (the figures' †), and the legend's words for them. */
function signatureMarks(layer: LayerSignature): Pick<HeatmapSpec, 'rowMarks' | 'rowNote'> {
  const rowMarks = layer.deltas.map((d) =>
    isNotConverged(d) ? { mark: NOT_CONVERGED_MARK, data: { converged: 'false' } } : null,
  );
  if (!rowMarks.some((m) => m !== null)) return {};
  return { rowMarks, rowNote: [[NOT_CONVERGED_MARK, NOT_CONVERGED_NOTE]] };
}

/** In a difference: † where A's decoder is not converged, ‡ where B's is. */
function diffMarks(a: LayerSignature, b: LayerSignature, rows: number): Pick<HeatmapSpec, 'rowMarks' | 'rowNote'> {
  const rowMarks = Array.from({ length: rows }, (_, r) => {
    const [na, nb] = [isNotConverged(a.deltas[r]!), isNotConverged(b.deltas[r]!)];
    if (!na && !nb) return null;
    const data: Record<string, string> = {};
    if (na) data['converged-a'] = 'false';
    if (nb) data['converged-b'] = 'false';
    return { mark: (na ? NOT_CONVERGED_MARK : '') + (nb ? NOT_CONVERGED_MARK_B : ''), data };
  });
  const marks = rowMarks.map((m) => m?.mark ?? '').join('');
  if (marks === '') return {};
  const hasA = marks.includes(NOT_CONVERGED_MARK);
  const hasB = marks.includes(NOT_CONVERGED_MARK_B);
  const rowNote: [string, string][] =
    hasA && hasB
      ? [
          [NOT_CONVERGED_MARK, 'A’s decoder,'],
          [NOT_CONVERGED_MARK_B, `B’s decoder ${NOT_CONVERGED_NOTE}`],
        ]
      : [
          hasA
            ? [NOT_CONVERGED_MARK, `A’s decoder ${NOT_CONVERGED_NOTE}`]
            : [NOT_CONVERGED_MARK_B, `B’s decoder ${NOT_CONVERGED_NOTE}`],
        ];
  return { rowMarks, rowNote };
}

function signatureFigure(state: ViewState, loaded: readonly Loaded[]): FigureResult {
  const { sig } = loaded[state.sig]!;
  const layer = sig.layers[state.layer]!;
  // A signature without a text-only baseline has no excess: it is drawn as recall (the control is disabled then).
  const metric = state.metric === 'excess' && !hasTextBaseline(sig.layers) ? 'accuracy' : state.metric;
  const grid = signatureGrid(sig, state.layer, metric);
  const palette = state.palette;
  const bits = metric === 'bits';
  const excess = metric === 'excess';
  const ends = paletteEnds(palette);
  const heatmap: HeatmapSpec = {
    grid,
    colorOf: (v) => sequentialColor(palette, v / grid.scaleMax),
    describeValue: (v) => (bits ? formatBits(v) : excess ? formatPoints(v) : formatPercent(v)),
    forward: sig.forward ? [...sig.forward.recall] : null,
    forwardColorOf: (v) => sequentialColor(palette, v),
    legend: {
      title: bits ? 'bits: KL(P(guess | s) ‖ P(guess))' : excess ? 'recall − text alone (eval)' : 'recall (eval)',
      colorAt: (t) => sequentialColor(palette, t),
      ticks: colorBarTicks(metric, grid.scaleMax).map(({ f, label }) => ({ t: f, text: label })),
    },
    label: `Memory signature heatmap: δ rows by symbol columns, ${bits ? 'bits' : excess ? 'recall above the text alone' : 'recall'}`,
    title: bits
      ? 'Bits about the symbol δ steps back'
      : excess
        ? 'Recall above the text alone, symbol δ steps back'
        : 'Recall of the symbol δ steps back',
    ...signatureMarks(layer),
  };
  const series: MarginalSeries[] = sig.layers.map((l, i) => ({
    label: `layer ${l.layer}${i === state.layer ? ' (shown)' : ''}`,
    color: i === state.layer ? paletteAccent(palette) : OTHER_LAYER_COLORS[i % OTHER_LAYER_COLORS.length]!,
    emphasis: i === state.layer,
    values: l.deltas.map((d) => (bits ? d.informationBits : d.accuracy)),
    intervals: bits ? undefined : l.deltas.map((d) => d.accuracyInterval),
    hollow: l.deltas.map(isNotConverged),
    band: l.deltas.every((d) => d.seeds)
      ? l.deltas.map((d) => {
          const v = bits ? d.informationBits : d.accuracy;
          const sd = (bits ? d.seeds!.informationBitsSpread : d.seeds!.accuracySpread).sd;
          return { low: v - sd, high: v + sd };
        })
      : undefined,
  }));
  const seeded = layer.deltas.every((d) => d.seeds) ? layer.deltas[0]?.seeds : undefined;
  const bitsMax = Math.max(1, Math.ceil(Math.max(...layer.deltas.map((d) => d.priorEntropyBits))));
  const marginal: MarginalSpec = {
    series,
    reference: bits
      ? { label: 'prior entropy (all there is)', values: layer.deltas.map((d) => d.priorEntropyBits) }
      : excess
        ? { label: 'text alone (symbols after it)', values: layer.deltas.map((d) => d.textBaseline?.accuracy ?? null) }
        : { label: 'chance (most frequent symbol)', values: layer.deltas.map((d) => d.chanceAccuracy) },
    max: bits ? bitsMax : 1,
    ticks: bits
      ? [0, bitsMax / 2, bitsMax].map((v) => ({ value: v, text: `${+v.toFixed(1)}` }))
      : [0, 0.5, 1].map((v) => ({ value: v, text: `${v * 100}%` })),
    label: bits
      ? 'Information recovered per δ, per layer'
      : excess
        ? 'Accuracy per δ, per layer, with the text-only baseline'
        : 'Accuracy per δ, per layer, with chance',
    title: bits
      ? 'Information per δ (bits)'
      : excess
        ? 'Accuracy per δ against the text alone'
        : 'Accuracy per δ, all symbols',
    hollowNote: series.some((s) => s.hollow?.some((h) => h)) ? 'not converged' : null,
    bandNote: seeded ? `± 1 sd over ${seedCountText(seeded)}` : null,
  };
  const marked = heatmap.rowNote
    ? ` ${NOT_CONVERGED_MARK} beside δ, a ring in the chart: that decoder is ${NOT_CONVERGED_NOTE}.`
    : '';
  const curves = sig.layers.some((l) => l.deltas.some((d) => d.convergence))
    ? ' “Learning curve” (or L) adds the decoder’s dev accuracy per epoch to the cell panel.'
    : '';
  return {
    ok: true,
    figure: {
      title: `${sig.model.label} · layer ${layer.layer} of ${sig.layers.length} · ${stateWord(sig.state)}`,
      help: `${
        excess
          ? `Each cell: the decoder’s recall of the symbol δ steps back minus the recall of the text-only baseline, the best guess of that symbol from the symbols read after it up to t (a count model of the reversed train text, on the same eval positions), in percentage points; ${ends.low} ≤ 0 → ${ends.high} +100 pp. The chart: accuracy per δ with 95% intervals, and the text-only accuracy (the gap is what the state holds beyond what the text implies).`
          : bits
            ? `Bits per cell: what the decoder’s guesses tell about the symbol at t − δ being s, KL(P(guess | s) ‖ P(guess)) from its eval confusion matrix (0: its guesses do not depend on s; log2(1 / P(guess = s)) when s is always recalled and never guessed otherwise). Colour: ${ends.low} 0 → ${ends.high} ≥ ${grid.scaleMax} bits = ⌈log2 V⌉, V = ${sig.alphabet.length} symbols. “next”: the model’s next-symbol accuracy, ${ends.low} 0% → ${ends.high} 100%. The chart: information per δ (prior entropy − decoder cross-entropy).`
            : `Each cell: how often the decoder reading the state at t names the symbol seen δ steps back (eval recall; ${ends.low} 0% → ${ends.high} 100%). “next”: the model’s own next-symbol accuracy per symbol. The chart: accuracy per δ over all symbols, with 95% intervals and chance.`
      }${marked}${curves}`,
      heatmap,
      marginal,
      describe: (row, col) =>
        row >= grid.deltas.length
          ? describeForwardCell(sig, col)
          : describeSignatureCell(sig, state.layer, row, col, state.curve),
    },
  };
}

function diffFigure(state: ViewState, loaded: readonly Loaded[]): FigureResult {
  const a: Side = { sig: loaded[state.a.sig]!.sig, layerIndex: state.a.layer };
  const b: Side = { sig: loaded[state.b.sig]!.sig, layerIndex: state.b.layer };
  const title = `A − B: ${sideLabel(a)} vs ${sideLabel(b)}`;
  const result = diffGrid(a, b);
  if (!result.ok) return { ok: false, title, message: result.reason };
  const { grid } = result;
  const s = grid.scaleMax;
  const left = [...grid.onlyA.map((x) => `A: ${x}`), ...grid.onlyB.map((x) => `B: ${x}`)];
  const rows = grid.deltas.length;
  const layerA = a.sig.layers[a.layerIndex]!;
  const layerB = b.sig.layers[b.layerIndex]!;
  const heatmap: HeatmapSpec = {
    grid,
    colorOf: (v) => divergingColor(v / s),
    describeValue: formatPoints,
    forward: null,
    forwardColorOf: () => '#ffffff',
    legend: {
      title: 'recall A − B (red: A better)',
      colorAt: (t) => divergingColor(t * 2 - 1),
      ticks: [
        { t: 0, text: `B +${Math.round(s * 100)} pp` },
        { t: 0.5, text: '0' },
        { t: 1, text: `A +${Math.round(s * 100)} pp` },
      ],
    },
    label: 'Recall difference heatmap, A minus B: δ rows by symbol columns',
    title: 'Recall A − B, symbol δ steps back',
    marked: (row, col) => grid.significant[row]?.[col] === true,
    ...diffMarks(layerA, layerB, rows),
  };
  const marginal: MarginalSpec = {
    series: [
      {
        label: 'A',
        color: A_COLOR,
        emphasis: true,
        values: layerA.deltas.slice(0, rows).map((d) => d.accuracy),
        intervals: layerA.deltas.slice(0, rows).map((d) => d.accuracyInterval),
        hollow: layerA.deltas.slice(0, rows).map(isNotConverged),
      },
      {
        label: 'B',
        color: B_COLOR,
        emphasis: true,
        values: layerB.deltas.slice(0, rows).map((d) => d.accuracy),
        intervals: layerB.deltas.slice(0, rows).map((d) => d.accuracyInterval),
        hollow: layerB.deltas.slice(0, rows).map(isNotConverged),
      },
    ],
    reference: { label: 'chance (A)', values: layerA.deltas.slice(0, rows).map((d) => d.chanceAccuracy) },
    max: 1,
    ticks: [0, 0.5, 1].map((v) => ({ value: v, text: `${v * 100}%` })),
    label: 'Accuracy per δ of A and of B',
    title: 'Accuracy per δ: A and B',
  };
  marginal.hollowNote = marginal.series.some((s) => s.hollow?.some((h) => h)) ? 'not converged' : null;
  return {
    ok: true,
    figure: {
      title,
      help:
        `Each cell: recall of A minus recall of B at the same δ, in percentage points, symbols aligned by name; red: A recalls better, blue: B does (scale ±${Math.round(s * 100)} pp).` +
        ` A dot marks a difference beyond chance (two-proportion test, false-discovery rate ${grid.q * 100}% over the ${grid.tested} cells tested).` +
        (left.length > 0 ? ` Left out (in one alphabet only): ${left.join(', ')}.` : '') +
        (heatmap.rowNote ? ` ${heatmap.rowNote.map((p) => p.join(' ')).join(' ')}.` : ''),
      heatmap,
      marginal,
      describe: (row, col) => (row < rows ? describeDiffCell(a, b, grid, row, col) : null),
    },
  };
}
