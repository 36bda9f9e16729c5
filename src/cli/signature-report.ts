// What `memsig signature` (and the demo) print once a signature is done: the marginal-accuracy table (one row per δ,
// one column per layer, then chance and the text-only baseline), or a one-object JSON summary; and the
// best-remembered symbols per δ.

import { formatDeltaList, unconvergedDeltas } from '../analysis/convergence.js';
import type { Signature } from '../analysis/signature-types.js';
import { hasTextBaseline } from '../render/metric.js';
import { showSymbol } from './format.js';
import { type CliIo, writeLine } from './io.js';
import { probeLines } from './probe-report.js';

/** The table of marginal eval accuracy, the positions used and where the file went. */
export function printSignatureTable(io: CliIo, sig: Signature, out: string): void {
  for (const line of [...signatureTable(sig), ...probeLines(sig)]) writeLine(io.stdout, line);
  const s = sig.settings;
  writeLine(
    io.stdout,
    `positions used: ${s.trainPositions} train, ${s.devPositions} dev, ${s.evalPositions} eval (seed ${s.seed})`,
  );
  writeLine(io.stdout, `signature written to ${out} (its fields: docs/signature.schema.json)`);
  for (const line of convergenceWarnings(sig)) writeLine(io.stderr, line);
}

/**
 * One warning line per layer with decoders marked not converged: their accuracies understate what the state holds.
 * None when every decoder converged (or the file predates the marks).
 */
export function convergenceWarnings(sig: Signature): string[] {
  const tolerance = sig.settings.convergenceTolerance ?? 0;
  return sig.layers.flatMap((l) => {
    const deltas = unconvergedDeltas(l);
    if (deltas.length === 0) return [];
    return [
      `warning: layer ${l.layer}: the decoders of δ = ${formatDeltaList(deltas)} are not converged: more train ` +
        `positions or epochs would still raise their accuracy by more than ${(100 * tolerance).toFixed(1)} points ` +
        '(more positions: --train-positions, up to all; longer training: --round-positions; see docs/convergence.md)',
    ];
  });
}

/** "accuracy (%) of naming the symbol δ steps back ..." then one row per δ. */
export function signatureTable(sig: Signature): string[] {
  // The text-only baseline is the same for every layer (the same eval positions); files before it have none.
  const text = hasTextBaseline(sig.layers);
  const heads = [...sig.layers.map((l) => `layer ${l.layer}`), 'chance', ...(text ? ['text'] : [])];
  const first = sig.layers[0];
  const rows: string[][] = [];
  for (let i = 0; i < sig.maxDelta; i++) {
    const values = sig.layers.map((l) => {
      const d = l.deltas[i];
      // With several decoder seeds: the mean ± the sample sd over them.
      const spread = d?.seeds ? `±${(100 * d.seeds.accuracySpread.sd).toFixed(1)}` : '';
      return `${percent(d?.accuracy)}${spread}${d?.convergence && !d.convergence.converged ? '*' : ''}`;
    });
    values.push(percent(first?.deltas[i]?.chanceAccuracy));
    if (text) values.push(percent(first?.deltas[i]?.textBaseline?.accuracy));
    rows.push(values);
  }
  const width = Math.max(7, ...heads.map((h) => h.length), ...rows.flat().map((v) => v.length));
  const cell = (text: string) => text.padStart(width);
  const lines = [
    `eval accuracy (%) of decoding the ${sig.target?.kind === 'bigram' ? 'pair of symbols ending' : 'symbol'} δ steps back from the state ${sig.state}`,
    `${'δ'.padStart(4)}  ${heads.map(cell).join('  ')}`,
    ...rows.map((values, i) => `${String(i + 1).padStart(4)}  ${values.map(cell).join('  ')}`),
  ];
  const seeds = sig.layers.flatMap((l) => l.deltas).find((d) => d.seeds)?.seeds?.seeds.length;
  if (seeds) {
    lines.push(
      `   ±: standard deviation over ${seeds} decoder seeds (the accuracy is their mean; the file holds the range)`,
    );
  }
  if (sig.layers.some((l) => unconvergedDeltas(l).length > 0)) {
    lines.push('   * not converged: more data or epochs would still raise it (see the warning below)');
  }
  if (text) {
    const order = first?.deltas[0]?.textBaseline?.order ?? 0;
    lines.push(
      `   text: the best guess of the symbol from the text read after it alone (at most ${order - 1} symbols; see docs/figures.md)`,
    );
  }
  return lines;
}

function percent(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : (100 * x).toFixed(1);
}

export interface SignatureSummary {
  out: string;
  model: string;
  weightsSha256: string | null;
  corpus: { source: string; sha256: string; segmentation: string };
  state: string;
  maxDelta: number;
  positions: { train: number; dev: number; eval: number };
  seconds: number;
  layers: {
    layer: number;
    deltas: {
      delta: number;
      accuracy: number;
      chance: number;
      informationBits: number;
      /** Null for a signature written before convergence was judged. */
      converged: boolean | null;
      /** The text-only baseline's accuracy, and the p-value of the decoder beating it; null in older files. */
      textBaseline: number | null;
      excessPValue: number | null;
      /** With --decoder-seeds: the accuracy of each seed (accuracy is their mean) and their sample sd; else null. */
      seedAccuracy: number[] | null;
      accuracySd: number | null;
      /** With --mdl: the online code's bits per position, and its compression over the uniform code; else null. */
      onlineCodeBits: number | null;
      onlineCodeCompression: number | null;
    }[];
    /** With --capacity-sweep: each decoder size by parameter count, its eval accuracy per δ; else null. */
    capacity: { factor: number; hidden: number[]; parameters: number; accuracy: number[] }[] | null;
  }[];
}

/** The --json summary: per layer per δ the eval accuracy, its chance level and the information recovered. */
export function signatureSummary(sig: Signature, out: string, seconds: number): SignatureSummary {
  return {
    out,
    model: sig.model.label,
    weightsSha256: sig.model.weightsSha256,
    corpus: { source: sig.corpus.source, sha256: sig.corpus.sha256, segmentation: sig.corpus.segmentation },
    state: sig.state,
    maxDelta: sig.maxDelta,
    positions: {
      train: sig.settings.trainPositions,
      dev: sig.settings.devPositions,
      eval: sig.settings.evalPositions,
    },
    seconds,
    layers: sig.layers.map((l) => ({
      layer: l.layer,
      deltas: l.deltas.map((d) => ({
        delta: d.delta,
        accuracy: d.accuracy,
        chance: d.chanceAccuracy,
        informationBits: d.informationBits,
        converged: d.convergence ? d.convergence.converged : null,
        textBaseline: d.textBaseline?.accuracy ?? null,
        excessPValue: d.textBaseline?.excessPValue ?? null,
        seedAccuracy: d.seeds ? [...d.seeds.accuracy] : null,
        accuracySd: d.seeds?.accuracySpread.sd ?? null,
        onlineCodeBits: d.onlineCode?.bitsPerPosition ?? null,
        onlineCodeCompression: d.onlineCode?.compression ?? null,
      })),
      capacity: l.capacity
        ? l.capacity.map((p) => ({
            factor: p.factor,
            hidden: [...p.hidden],
            parameters: p.parameters,
            accuracy: p.deltas.map((x) => x.accuracy),
          }))
        : null,
    })),
  };
}

export interface RememberedSymbol {
  symbol: string;
  recall: number;
  count: number;
}

/**
 * Per δ, the `top` symbols of layer `layerIndex` (0-based in sig.layers) with the highest eval recall among those
 * seen at least `minCount` times at t−δ, leaving out the δ's chance symbol (the most frequent one, which a decoder
 * that ignores the state names every time); ties: the more frequent first, then alphabet order.
 */
export function bestRemembered(sig: Signature, layerIndex: number, top = 3, minCount = 30): RememberedSymbol[][] {
  const layer = sig.layers[layerIndex];
  if (!layer) return [];
  const names = classNames(sig);
  return layer.deltas.map((d) =>
    d.recall
      .map((recall, s) => ({ symbol: names[s]!, recall: recall ?? 0, count: d.count[s]!, s }))
      .filter((x) => x.count >= minCount && sig.alphabet[x.s] !== d.chanceSymbol)
      .sort((a, b) => b.recall - a.recall || b.count - a.count || a.s - b.s)
      .slice(0, top)
      .map(({ symbol, recall, count }) => ({ symbol, recall, count })),
  );
}

/** What each class is called: the symbols, or a target's class names (bigrams: "th", "e ", "other"). */
function classNames(sig: Signature): readonly string[] {
  return sig.target?.classes ?? sig.alphabet;
}

/** The heading and one line per δ: "   1  # 100.0%, a 99.7%, q 99.0%". */
export function bestRememberedLines(sig: Signature, layerIndex: number): string[] {
  const names = classNames(sig);
  const chance = [
    ...new Set(
      sig.layers[layerIndex]?.deltas.map((d) =>
        showSymbol(names[sig.alphabet.indexOf(d.chanceSymbol)] ?? d.chanceSymbol),
      ) ?? [],
    ),
  ];
  const lines = [
    `best-remembered symbols of layer ${sig.layers[layerIndex]?.layer ?? '?'} (highest eval recall among symbols seen ` +
      `at least 30 times at t−δ, leaving out the chance guess ${chance.join('/')})`,
  ];
  bestRemembered(sig, layerIndex).forEach((symbols, i) => {
    const list = symbols.map((x) => `${showSymbol(x.symbol)} ${(100 * x.recall).toFixed(1)}%`).join(', ');
    lines.push(`${String(i + 1).padStart(4)}  ${list === '' ? '(no symbol seen 30 times)' : list}`);
  });
  return lines;
}

/**
 * The longest run δ = 1..k over which layer `layerIndex` decodes significantly better than chance (one-sided
 * p < `alpha`): how far back the state reliably holds its input. 0 when not even δ = 1 is.
 */
export function memoryHorizon(sig: Signature, layerIndex: number, alpha = 0.001): number {
  const deltas = sig.layers[layerIndex]?.deltas ?? [];
  let k = 0;
  while (k < deltas.length && deltas[k]!.pValue < alpha && deltas[k]!.accuracy > deltas[k]!.chanceAccuracy) k++;
  return k;
}

/**
 * The longest run δ = 1..k over which layer `layerIndex`'s decoder names the symbol more often than the text-only
 * baseline (its paired one-sided p < `alpha`): how far back the state holds more than the text after the symbol
 * implies. 0 when not even δ = 1 does; null when the signature has no baseline.
 */
export function textHorizon(sig: Signature, layerIndex: number, alpha = 0.001): number | null {
  const deltas = sig.layers[layerIndex]?.deltas ?? [];
  if (deltas.length === 0 || deltas.some((d) => !d.textBaseline)) return null;
  let k = 0;
  while (k < deltas.length && deltas[k]!.textBaseline!.excessPValue < alpha && beatsText(deltas[k]!)) k++;
  return k;
}

function beatsText(d: Signature['layers'][number]['deltas'][number]): boolean {
  return d.textBaseline!.decoderOnly > d.textBaseline!.baselineOnly;
}
