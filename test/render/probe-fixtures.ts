// The issue-15 additions a figure, report or viewer test draws, added to any signature: the spread over two decoder
// seeds (--decoder-seeds 2), the online code (--mdl) and the capacity sweep (--capacity-sweep). Each is consistent
// enough to pass validateSignature (the means are the seeds' means).

import type { CapacityProbe, DeltaSignature, Signature } from '../../src/analysis/signature-types.js';

/** Two seeds per decoder whose accuracy is the decoder's ∓ `half` (so sd = half·√2), and bits ∓ half (see below). */
export function withSeeds(sig: Signature, half = 0.02): Signature {
  for (const layer of sig.layers) {
    for (const d of layer.deltas) {
      // Kept within [0, 1] and ≥ 0 bits: a decoder at an end gets a narrower spread.
      const h = Math.min(half, d.accuracy, 1 - d.accuracy);
      const acc = [d.accuracy - h, d.accuracy + h];
      const hb = Math.min(half, d.informationBits);
      const bits = [d.informationBits - hb, d.informationBits + hb];
      d.seeds = {
        seeds: [1, 100001],
        accuracy: acc,
        accuracySpread: spread(acc),
        informationBits: bits,
        informationBitsSpread: spread(bits),
        recallSd: d.recall.map((r) => (r === null ? null : half * Math.SQRT2)),
        recallMin: d.recall.map((r) => (r === null ? null : Math.max(0, r - half))),
        recallMax: d.recall.map((r) => (r === null ? null : Math.min(1, r + half))),
        keepProbs: [d.keepProb, d.keepProb],
      };
    }
  }
  return sig;
}

function spread(xs: number[]): { mean: number; sd: number; min: number; max: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}

/** The online code of δ costs `bits(δ)` per position (default: more each δ back), over two blocks of 10 and 90. */
export function withOnlineCode(
  sig: Signature,
  bits: (d: DeltaSignature) => number = (d) => 0.5 + 0.25 * d.delta,
): Signature {
  sig.settings.onlineCodeBlocks = [0.1, 1];
  const uniform = Math.log2(sig.alphabet.length);
  for (const layer of sig.layers) {
    for (const d of layer.deltas) {
      const perPosition = bits(d);
      const total = 100 * perPosition;
      d.onlineCode = {
        ends: [10, 100],
        blockBits: [10 * uniform, total - 10 * uniform],
        totalBits: total,
        bitsPerPosition: perPosition,
        uniformBitsPerPosition: uniform,
        priorBitsPerPosition: d.priorEntropyBits,
        compression: uniform / perPosition,
        priorCompression: d.priorEntropyBits / perPosition,
      };
    }
  }
  return sig;
}

/** A linear decoder, the layer's own and one 4 times as wide; accuracy rises with size, less each δ back. */
export function withCapacity(sig: Signature): Signature {
  sig.settings.capacityFactors = [0, 1, 4];
  for (const layer of sig.layers) {
    const own = layer.decoder.hidden;
    layer.capacity = [0, 1, 4].map(
      (factor, k): CapacityProbe => ({
        factor,
        hidden: factor === 0 ? [] : own.map((h) => h * factor),
        parameters: [40, layer.decoder.parameters, 4 * layer.decoder.parameters][k]!,
        deltas: layer.deltas.map((d) => {
          const accuracy = Math.min(1, d.chanceAccuracy + (k + 1) * (0.3 / d.delta) * 0.5);
          return {
            delta: d.delta,
            accuracy,
            accuracyInterval: { low: Math.max(0, accuracy - 0.05), high: Math.min(1, accuracy + 0.05) },
            crossEntropyBits: d.priorEntropyBits * (1 - 0.2 * (k + 1)),
            informationBits: d.priorEntropyBits * 0.2 * (k + 1),
            keepProb: 1,
            front: true,
          };
        }),
      }),
    );
  }
  return sig;
}
