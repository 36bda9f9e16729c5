// Character and word error rates: the Levenshtein distance between a reference and a hypothesis (substitutions,
// deletions and insertions each cost 1) over the reference's length, summed over a corpus before dividing.

/** Edits turning `ref` into `hyp` (Levenshtein), by two rolling rows: O(|ref|·|hyp|) time, O(|hyp|) memory. */
export function editDistance<T>(ref: readonly T[], hyp: readonly T[]): number {
  const n = hyp.length;
  let prev = new Int32Array(n + 1);
  let row = new Int32Array(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= ref.length; i++) {
    row[0] = i;
    const r = ref[i - 1];
    for (let j = 1; j <= n; j++) {
      const substitute = prev[j - 1]! + (r === hyp[j - 1] ? 0 : 1);
      row[j] = Math.min(substitute, prev[j]! + 1, row[j - 1]! + 1);
    }
    [prev, row] = [row, prev];
  }
  return prev[n]!;
}

/** Edits and the reference's length, so that corpus rates sum before dividing (long utterances weigh more). */
export interface ErrorCount {
  edits: number;
  length: number;
}

/** Character edits (code points, spaces included) of `hyp` against `ref`. */
export function countCharacterErrors(ref: string, hyp: string): ErrorCount {
  const r = [...ref];
  return { edits: editDistance(r, [...hyp]), length: r.length };
}

/** The words of a transcript: split on whitespace, empty pieces dropped. */
export function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}

/** Word edits of `hyp` against `ref` (words compared whole, punctuation included). */
export function countWordErrors(ref: string, hyp: string): ErrorCount {
  const r = splitWords(ref);
  return { edits: editDistance(r, splitWords(hyp)), length: r.length };
}

/** Σ edits / Σ reference lengths; 0 for no reference symbols with no edits, Infinity with edits. */
export function errorRate(counts: Iterable<ErrorCount>): number {
  let edits = 0;
  let length = 0;
  for (const c of counts) {
    edits += c.edits;
    length += c.length;
  }
  if (length === 0) return edits === 0 ? 0 : Number.POSITIVE_INFINITY;
  return edits / length;
}
