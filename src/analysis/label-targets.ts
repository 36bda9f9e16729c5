// What a decoder names at a position: the symbol itself (grapheme) or the pair ending there (bigram), as class ids.
// Written over a plain symbol sequence and an index into it, so that any producer of positions can use it: a LAS
// transcript (index = the grapheme δ back), or a language model's partition (index = t − δ, from = segment start).

/** The classes a decoder chooses among, and the class of a symbol position. */
export interface LabelTarget {
  kind: 'grapheme' | 'bigram';
  /** The name of each class, by class id. */
  names: string[];
  /**
   * The class of position j of `seq`, or −1 where it has none: j outside [from, seq.length), or (bigram) no symbol
   * before it from `from` on. `from` is where the sequence's segment starts (default 0).
   */
  classOf(seq: ArrayLike<number>, j: number, from?: number): number;
}

/** The symbols themselves: class = symbol id. */
export function graphemeTarget(alphabet: readonly string[]): LabelTarget {
  return {
    kind: 'grapheme',
    names: [...alphabet],
    classOf: (seq, j, from = 0) => (j >= from && j < seq.length ? seq[j]! : -1),
  };
}

/** The name of the class that holds every pair outside the most frequent ones. */
export const OTHER_BIGRAM = 'other';

/**
 * Pairs (symbol j − 1, symbol j) as classes: the `top` most frequent pairs in `sequences` (the training
 * transcripts or segments; ties broken by the pair's ids, first symbol first), then one class for every other pair
 * (including pairs never seen in training), named OTHER_BIGRAM. A position with no symbol before it in its
 * sequence has no bigram (−1). The pair's name is its two symbols.
 */
export function bigramTarget(
  alphabet: readonly string[],
  sequences: Iterable<ArrayLike<number>>,
  top: number,
): LabelTarget {
  const V = alphabet.length;
  if (!(Number.isInteger(top) && top >= 1)) throw new RangeError(`bigram classes: top must be ≥ 1 (got ${top})`);
  const counts = new Float64Array(V * V);
  for (const seq of sequences) {
    for (let j = 1; j < seq.length; j++) counts[seq[j - 1]! * V + seq[j]!]++;
  }
  const seen: number[] = [];
  for (let p = 0; p < V * V; p++) if (counts[p]! > 0) seen.push(p);
  seen.sort((a, b) => counts[b]! - counts[a]! || a - b);
  const kept = seen.slice(0, top);
  const other = kept.length;
  const classOfPair = new Int32Array(V * V).fill(other);
  kept.forEach((p, k) => {
    classOfPair[p] = k;
  });
  const names = [...kept.map((p) => `${alphabet[Math.floor(p / V)]}${alphabet[p % V]}`), OTHER_BIGRAM];
  return {
    kind: 'bigram',
    names,
    classOf: (seq, j, from = 0) => (j - 1 >= from && j < seq.length ? classOfPair[seq[j - 1]! * V + seq[j]!]! : -1),
  };
}

/**
 * n distinct one-character stand-ins for classes that are not single characters (a signature's alphabet holds one
 * character per class): A–Z, a–z, 0–9, then Latin letters from U+00C0 on (× and ÷ skipped).
 */
export function standInSymbols(n: number): string[] {
  const out: string[] = [];
  const ranges: [number, number][] = [
    [0x41, 0x5a],
    [0x61, 0x7a],
    [0x30, 0x39],
  ];
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi && out.length < n; c++) out.push(String.fromCodePoint(c));
  for (let c = 0xc0; out.length < n; c++) if (c !== 0xd7 && c !== 0xf7) out.push(String.fromCodePoint(c));
  return out;
}
