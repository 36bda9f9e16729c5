// Decoder data whose label is the XOR of the signs of two state features (two more features are noise): a
// linear decoder cannot beat chance (½) on it, a decoder with a hidden layer can name it almost always.

import type { DecoderData } from '../../src/analysis/decoders.js';
import type { Rng } from '../../src/core/random.js';

const D = 4;

function part(rng: Rng, n: number, deltas: number): { x: Float32Array; labels: Int32Array[] } {
  const x = new Float32Array(n * D);
  const label = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const a = rng.next() < 0.5 ? -1 : 1;
    const b = rng.next() < 0.5 ? -1 : 1;
    x[r * D] = a * rng.uniform(0.3, 1.5);
    x[r * D + 1] = b * rng.uniform(0.3, 1.5);
    x[r * D + 2] = rng.normal();
    x[r * D + 3] = rng.normal();
    label[r] = a === b ? 0 : 1;
  }
  return { x, labels: Array.from({ length: deltas }, () => label.slice()) };
}

/** Train, dev and eval rows of the XOR state; every δ (1..deltas) has the same label. */
export function xorStates(rng: Rng, rows: { train: number; dev: number; eval: number }, deltas = 1): DecoderData {
  const train = part(rng, rows.train, deltas);
  const dev = part(rng, rows.dev, deltas);
  const evalPart = part(rng, rows.eval, deltas);
  return {
    train: train.x,
    dev: dev.x,
    eval: evalPart.x,
    nTrain: rows.train,
    nDev: rows.dev,
    nEval: rows.eval,
    D,
    trainLabels: train.labels,
    devLabels: dev.labels,
    evalLabels: evalPart.labels,
    V: 2,
  };
}
