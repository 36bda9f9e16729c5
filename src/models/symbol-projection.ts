// Layer 0's input projection of a character model gathered from a per-symbol table: the embedding is a lookup, so
// embed·W_ih0ᵀ is computed once per chunk for the V symbols (V ≪ T·B) and every position copies its symbol's row.

import type { Gemm } from '../core/gemm.js';
import type { InputProjection } from '../core/recurrent.js';

/**
 * Fills `table` (V, G) with embed (V, E) · wIh (G, E)ᵀ and returns the projection of the symbols `ids` (T, B): rows
 * (T·B, G), or gate-major blocks (T, G, B) when the layer asks for them.
 */
export function symbolInputProjection(
  gemm: Gemm,
  embed: Float32Array,
  wIh: Float32Array,
  table: Float32Array,
  ids: Int32Array,
  V: number,
  G: number,
  E: number,
  B: number,
): InputProjection {
  gemm.gemm(false, true, V, G, E, embed, wIh, table, false);
  return (out, gateMajor) => {
    if (!gateMajor) {
      for (let r = 0; r < ids.length; r++) {
        const id = ids[r]!;
        out.set(table.subarray(id * G, (id + 1) * G), r * G);
      }
      return;
    }
    // (T, G, B): stream b of step t is column b of that step's block; written row by row (unit stride).
    const rowOf = new Int32Array(B);
    for (let t = 0; t * B < ids.length; t++) {
      for (let b = 0; b < B; b++) rowOf[b] = ids[t * B + b]! * G;
      const block = t * G * B;
      for (let g = 0; g < G; g++) {
        const dst = block + g * B;
        for (let b = 0; b < B; b++) out[dst + b] = table[rowOf[b]! + g]!;
      }
    }
  };
}
