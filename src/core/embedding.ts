// Embedding lookup (PyTorch nn.Embedding, weight (V,E)) and its scatter-add backward.

function checkE(E: number): void {
  if (!(Number.isInteger(E) && E > 0)) throw new RangeError(`embedding: invalid embedding size ${E}`);
}

function checkIds(ids: Int32Array, V: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= V) throw new RangeError(`embedding: id ${id} at position ${i} is out of range [0, ${V})`);
  }
}

/** out (N,E) [i,:] = weight (V,E) [ids[i],:], with N = ids.length and V = weight.length / E. Overwrites out. */
export function embeddingForward(weight: Float32Array, ids: Int32Array, out: Float32Array, E: number): void {
  checkE(E);
  const N = ids.length;
  const V = Math.floor(weight.length / E);
  if (out.length < N * E) throw new RangeError(`embedding: out has ${out.length} elements, needs ${N * E}`);
  checkIds(ids, V);
  for (let i = 0; i < N; i++) {
    const src = ids[i] * E; // row of weight (V,E)
    const dst = i * E; // row of out (N,E)
    for (let j = 0; j < E; j++) out[dst + j] = weight[src + j];
  }
}

/** dWeight (V,E) [ids[i],:] += dOut (N,E) [i,:] for every i (repeated ids add up). */
export function embeddingBackward(dOut: Float32Array, ids: Int32Array, dWeight: Float32Array, E: number): void {
  checkE(E);
  const N = ids.length;
  const V = Math.floor(dWeight.length / E);
  if (dOut.length < N * E) throw new RangeError(`embedding: dOut has ${dOut.length} elements, needs ${N * E}`);
  checkIds(ids, V);
  for (let i = 0; i < N; i++) {
    const dst = ids[i] * E; // row of dWeight (V,E)
    const src = i * E; // row of dOut (N,E)
    for (let j = 0; j < E; j++) dWeight[dst + j] += dOut[src + j];
  }
}
