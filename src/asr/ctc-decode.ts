// The joint CTC head of a LAS on its own: best-path decoding (the likeliest class per frame, repeats merged, blanks
// dropped) and the log-likelihood of a given transcript, by which beam hypotheses are rescored. Pure but for Gemm.

import { ctcLoss } from '../core/ctc.js';
import type { Gemm } from '../core/gemm.js';
import { linearForward } from '../core/linear.js';
import type { Las } from '../models/las.js';
import { CTC_BLANK } from '../models/las-config.js';

/** Whether the model has a CTC head. */
export function hasCtcHead(las: Las): boolean {
  return las.params.has('ctc.weight');
}

/** CTC logits (rows, alphabet + 1) of listener frames enc (rows, 2H). */
export function computeCtcLogits(gemm: Gemm, las: Las, enc: Float32Array, rows: number): Float32Array {
  const C = las.config.alphabet + 1;
  const D = 2 * las.config.listenerUnits;
  const out = new Float32Array(rows * C);
  linearForward(gemm, enc, las.params.get('ctc.weight')!.data, las.params.get('ctc.bias')!.data, out, rows, D, C);
  return out;
}

/** Best-path decoding of one utterance's logits (n, C): alphabet ids (class − 1). */
export function decodeCtcGreedy(logits: Float32Array, n: number, C: number): Int32Array {
  const out: number[] = [];
  let last = CTC_BLANK;
  for (let t = 0; t < n; t++) {
    let best = 0;
    for (let k = 1; k < C; k++) if (logits[t * C + k]! > logits[t * C + best]!) best = k;
    if (best !== CTC_BLANK && best !== last) out.push(best - 1);
    last = best;
  }
  return Int32Array.from(out);
}

/** log p(transcript | utterance) under CTC, from one utterance's logits (n, C); −Infinity when no alignment fits. */
export function ctcLogLikelihood(logits: Float32Array, n: number, C: number, tokens: Int32Array): number {
  const labels = [tokens.map((s) => s + 1)];
  const result = ctcLoss(logits, n, 1, C, Int32Array.of(n), labels, null, { blank: CTC_BLANK, reduction: 'sum' });
  return -result.perUtterance[0]!;
}
