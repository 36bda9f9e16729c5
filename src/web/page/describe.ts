// What the tooltip says about a cell, pure: signature cells (recall, count, chance, bits, the decoder's confusion
// row), forward-strip cells, and difference cells. tooltip.ts turns it into elements.

import type { LayerSignature, Signature } from '../../analysis/signature-types.js';
import { isNotConverged, NOT_CONVERGED_MARK, NOT_CONVERGED_NOTE } from '../../render/convergence-marks.js';
import { excessRecall, symbolInformationBits } from '../../render/metric.js';
import { seedCountText } from '../../render/seed-label.js';
import { type CurveChart, learningCurveChart } from './curve.js';
import { displaySymbol, formatBits, formatCount, formatPercent, formatPoints } from './format.js';
import { confusionTop, type DiffGrid, type Share, type Side } from './grid.js';

export interface TipRow {
  /** A stable name (data-field) tests and styles can find it by. */
  field: string;
  label: string;
  value: string;
}

export interface TipContent {
  symbol: string;
  where: string;
  rows: TipRow[];
  bars: { heading: string; items: (Share & { correct: boolean })[] } | null;
  note: string | null;
  /** The decoder's learning curve, when asked for and the signature has one. */
  curve?: CurveChart | null;
}

/** How many predicted symbols of a confusion row the tooltip lists. */
export const CONFUSION_TOP = 5;

/** A signature cell; `withCurve`: add its decoder's learning curve (version 2). */
export function describeSignatureCell(
  sig: Signature,
  layerIndex: number,
  row: number,
  col: number,
  withCurve = false,
): TipContent {
  const layer = sig.layers[layerIndex]!;
  const d = layer.deltas[row]!;
  const symbol = sig.alphabet[col]!;
  const count = d.count[col] ?? 0;
  const recall = d.recall[col] ?? null;
  const prior = d.prior[col] ?? 0;
  const correct = d.confusion[col]?.[col] ?? 0;
  const top = confusionTop(d.confusion[col] ?? [], sig.alphabet, CONFUSION_TOP);
  return {
    symbol: displaySymbol(symbol),
    where: `δ = ${d.delta} · layer ${layer.layer}`,
    rows: [
      { field: 'recall', label: 'recall', value: formatPercent(recall) },
      {
        field: 'count',
        label: 'eval positions',
        value: count === 0 ? '0' : `${formatCount(count)} (${formatCount(correct)} right)`,
      },
      {
        field: 'chance',
        label: `chance at δ = ${d.delta}`,
        value: `${formatPercent(d.chanceAccuracy)} (always ${displaySymbol(d.chanceSymbol)})`,
      },
      { field: 'prior', label: 'prior of symbol', value: formatPercent(prior, 2) },
      { field: 'bits', label: 'bits', value: formatBits(symbolInformationBits(d)[col] ?? null) },
      { field: 'accuracy', label: `all symbols at δ = ${d.delta}`, value: formatPercent(d.accuracy) },
      ...(d.textBaseline
        ? [
            {
              field: 'text',
              label: 'text alone',
              value: `${formatPercent(d.textBaseline.recall[col] ?? null)} (excess ${formatPoints(excessRecall(d)[col] ?? null)})`,
            },
          ]
        : []),
      ...probeRows(layer, row, col),
      ...(d.convergence
        ? [
            {
              field: 'converged',
              label: 'decoder',
              value: isNotConverged(d) ? `${NOT_CONVERGED_MARK} ${NOT_CONVERGED_NOTE}` : 'converged',
            },
          ]
        : []),
    ],
    bars:
      top.length === 0
        ? null
        : { heading: 'decoded as', items: top.map((s) => ({ ...s, symbol: s.symbol, correct: s.symbol === symbol })) },
    note: count === 0 ? `No eval position has this symbol ${d.delta} steps back.` : null,
    curve: withCurve ? learningCurveChart(d, sig.settings.convergenceTolerance) : null,
  };
}

export function describeForwardCell(sig: Signature, col: number): TipContent | null {
  const f = sig.forward;
  if (!f) return null;
  const count = f.count[col] ?? 0;
  return {
    symbol: displaySymbol(sig.alphabet[col]!),
    where: 'next symbol (the model’s own prediction)',
    rows: [
      { field: 'recall', label: 'accuracy', value: formatPercent(f.recall[col] ?? null) },
      {
        field: 'count',
        label: 'eval positions',
        value: count === 0 ? '0' : `${formatCount(count)} (${formatCount(f.correct[col] ?? 0)} right)`,
      },
      { field: 'accuracy', label: 'all symbols', value: formatPercent(f.accuracy) },
      { field: 'perplexity', label: 'perplexity', value: f.perplexity.toFixed(3) },
    ],
    bars: null,
    note: count === 0 ? 'This symbol never comes next in the eval positions.' : null,
  };
}

/** "2-layer LSTM, 48 units · layer 1". */
export function sideLabel(side: Side): string {
  return `${side.sig.model.label} · layer ${side.sig.layers[side.layerIndex]?.layer ?? '?'}`;
}

export function describeDiffCell(a: Side, b: Side, grid: DiffGrid, row: number, col: number): TipContent {
  const da = a.sig.layers[a.layerIndex]!.deltas[row]!;
  const db = b.sig.layers[b.layerIndex]!.deltas[row]!;
  const ia = grid.columnsA[col]!;
  const ib = grid.columnsB[col]!;
  const diff = grid.values[row]?.[col] ?? null;
  const side = (d: typeof da, i: number) => `${formatPercent(d.recall[i] ?? null)} of ${formatCount(d.count[i] ?? 0)}`;
  let note: string | null = null;
  if (diff === null) note = 'One side has no eval position of this symbol at this δ.';
  else if (Math.abs(diff) >= 0.0005) note = diff > 0 ? 'A recalls it better (red).' : 'B recalls it better (blue).';
  const p = grid.pValues[row]?.[col] ?? null;
  const test =
    diff === null
      ? null
      : p === null
        ? 'too few positions to test'
        : `p = ${p >= 0.001 ? p.toFixed(3) : p.toExponential(1)}${grid.significant[row]?.[col] ? ', beyond chance' : ''}`;
  return {
    symbol: displaySymbol(grid.symbols[col]!),
    where: `δ = ${grid.deltas[row]}`,
    rows: [
      { field: 'difference', label: 'A − B', value: formatPoints(diff) },
      { field: 'recall-a', label: 'recall A', value: side(da, ia) },
      { field: 'recall-b', label: 'recall B', value: side(db, ib) },
      {
        field: 'chance',
        label: `chance at δ = ${grid.deltas[row]}`,
        value: `A ${formatPercent(da.chanceAccuracy)} · B ${formatPercent(db.chanceAccuracy)}`,
      },
      ...(test === null ? [] : [{ field: 'significance', label: 'difference test', value: test }]),
    ],
    bars: null,
    note,
  };
}

/** "linear", "0.25×", "4×": a capacity-sweep decoder size. */
export function capacityName(factor: number): string {
  return factor === 0 ? 'linear' : `${factor}×`;
}

/**
 * The issue-15 additions for a cell, each only where the signature has it: the spread over decoder seeds, the
 * online code length and the capacity sweep's accuracy at its δ.
 */
function probeRows(layer: LayerSignature, row: number, col: number): TipRow[] {
  const d = layer.deltas[row]!;
  const rows: TipRow[] = [];
  if (d.seeds) {
    const sd = d.seeds.recallSd[col] ?? null;
    rows.push({
      field: 'seeds',
      label: `over ${seedCountText(d.seeds)}`,
      value:
        `recall ± ${formatPoints(sd).replace(/^\+/, '')} (${formatPercent(d.seeds.recallMin[col] ?? null)}–` +
        `${formatPercent(d.seeds.recallMax[col] ?? null)}), all symbols ± ${formatPoints(d.seeds.accuracySpread.sd).replace(/^\+/, '')}`,
    });
  }
  if (d.onlineCode) {
    rows.push({
      field: 'online-code',
      label: `online code at δ = ${d.delta}`,
      value: `${formatBits(d.onlineCode.bitsPerPosition)} a position (${d.onlineCode.compression.toFixed(2)}× compression)`,
    });
  }
  if (layer.capacity?.length) {
    rows.push({
      field: 'capacity',
      label: `decoder sizes at δ = ${d.delta}`,
      value: layer.capacity
        .map((p) => `${capacityName(p.factor)} ${formatPercent(p.deltas[row]?.accuracy ?? null)}`)
        .join(', '),
    });
  }
  return rows;
}
