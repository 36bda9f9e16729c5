// What `memsig signature` prints for a speech recognizer's signature: the marginal-accuracy table with one column
// per layer named by what it is (features, encoder 1, …, decoder query) and a δ = 0 row, the chance levels of frames
// and of speller steps, the convergence warnings by layer name, and the --json summary.

import { formatDeltaList } from '../analysis/convergence.js';
import type { DeltaSignature, LayerSignature, Signature } from '../analysis/signature-types.js';
import { type CliIo, writeLine } from './io.js';
import { signatureSummary } from './signature-report.js';

/** A layer's column name: "features", "features ±4", "encoder 2", "decoder query" (else "layer N"). */
export function lasLayerName(layer: LayerSignature): string {
  const s = layer.speech;
  if (!s) return `layer ${layer.layer}`;
  if (s.role === 'features') return s.window ? `features ±${s.window}` : 'features';
  if (s.role === 'encoder') {
    const n = /(\d+)\s*$/.exec(s.label)?.[1];
    return n ? `encoder ${n}` : s.label;
  }
  return `decoder ${s.reads}`;
}

/** The table of marginal eval accuracy, the positions used and where the file went. */
export function printLasSignatureTable(io: CliIo, sig: Signature, out: string): void {
  for (const line of lasSignatureTable(sig)) writeLine(io.stdout, line);
  const s = sig.settings;
  writeLine(
    io.stdout,
    `positions used (most of any layer): ${s.trainPositions} train, ${s.devPositions} dev, ${s.evalPositions} eval (seed ${s.seed})`,
  );
  writeLine(io.stdout, `signature written to ${out} (its fields: docs/signature.schema.json)`);
  for (const line of lasConvergenceWarnings(sig)) writeLine(io.stderr, line);
}

function targetWords(sig: Signature): string {
  const kind = sig.target?.kind ?? 'grapheme';
  return kind === 'bigram' ? 'grapheme pair' : kind === 'audio-unit' ? 'audio unit' : 'grapheme';
}

/** Rows δ = 0 (when measured), 1..Δ; a column per layer, then chance for frames and for speller steps. */
export function lasSignatureTable(sig: Signature): string[] {
  const frameLayer = sig.layers.find((l) => l.speech?.role !== 'decoder');
  const stepLayer = sig.layers.find((l) => l.speech?.role === 'decoder');
  const chances: { head: string; layer: LayerSignature }[] = [];
  if (frameLayer) chances.push({ head: stepLayer ? 'chance frames' : 'chance', layer: frameLayer });
  if (stepLayer) chances.push({ head: frameLayer ? 'chance steps' : 'chance', layer: stepLayer });
  const heads = [...sig.layers.map(lasLayerName), ...chances.map((c) => c.head)];
  const width = Math.max(7, ...heads.map((h) => h.length));
  const cell = (text: string) => text.padStart(width);
  const current = sig.layers.some((l) => l.current);
  const lines = [
    `eval accuracy (%) of naming the ${targetWords(sig)} δ back from each layer's state${current ? ' (δ = 0: the one being spoken or spelled there)' : ''}`,
    `${'δ'.padStart(4)}  ${heads.map(cell).join('  ')}`,
  ];
  const at = (l: LayerSignature, delta: number): DeltaSignature | undefined =>
    delta === 0 ? l.current : l.deltas[delta - 1];
  for (let delta = current ? 0 : 1; delta <= sig.maxDelta; delta++) {
    const values = sig.layers.map((l) => {
      const d = at(l, delta);
      return `${percent(d?.accuracy)}${d?.convergence && !d.convergence.converged ? '*' : ''}`;
    });
    for (const c of chances) values.push(percent(at(c.layer, delta)?.chanceAccuracy));
    lines.push(`${String(delta).padStart(4)}  ${values.map(cell).join('  ')}`);
  }
  if (sig.layers.some((l) => unconverged(l).length > 0)) {
    lines.push('   * not converged: more data or epochs would still raise it (see the warning below)');
  }
  return lines;
}

function unconverged(l: LayerSignature): number[] {
  return [...(l.current ? [l.current] : []), ...l.deltas]
    .filter((d) => d.convergence && !d.convergence.converged)
    .map((d) => d.delta);
}

/** One warning line per layer with decoders (δ = 0 included) marked not converged. */
export function lasConvergenceWarnings(sig: Signature): string[] {
  const tolerance = sig.settings.convergenceTolerance ?? 0;
  return sig.layers.flatMap((l) => {
    const deltas = unconverged(l);
    if (deltas.length === 0) return [];
    return [
      `warning: ${lasLayerName(l)} (layer ${l.layer}): the decoders of δ = ${formatDeltaList(deltas)} are not converged: ` +
        `more train positions or epochs would still raise their accuracy by more than ${(100 * tolerance).toFixed(1)} points ` +
        '(more positions: --train-positions, up to all; longer training: --round-positions; see docs/convergence.md)',
    ];
  });
}

/** The --json summary: the language models' (signature-report.ts), each layer with its name, role and δ = 0. */
export function lasSignatureSummary(sig: Signature, out: string, seconds: number) {
  const base = signatureSummary(sig, out, seconds);
  const entry = (d: DeltaSignature) => ({
    delta: d.delta,
    accuracy: d.accuracy,
    chance: d.chanceAccuracy,
    informationBits: d.informationBits,
    converged: d.convergence ? d.convergence.converged : null,
  });
  return {
    ...base,
    kind: 'las' as const,
    target: sig.target?.kind ?? 'grapheme',
    layers: sig.layers.map((l, i) => ({
      layer: l.layer,
      name: lasLayerName(l),
      role: l.speech?.role ?? null,
      label: l.speech?.label ?? null,
      current: l.current ? entry(l.current) : null,
      deltas: base.layers[i]!.deltas,
    })),
    forwardAccuracy: sig.forward?.accuracy ?? null,
  };
}

function percent(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : (100 * x).toFixed(1);
}
