// Beam search over any step-by-step scorer of the speller's vocabulary (<sos> 0, <eos> 1, graphemes from 2): keeps
// the `beam` best partial transcripts by total log-probability, sets aside those that end in <eos> (or reach the
// longest length allowed), stops once `beam` have ended and every open one is less likely than one of them, and
// ranks the finished ones by log-probability over (length + 1)^lengthNorm, so that short transcripts are not
// favoured just for having fewer terms. Width 1 is greedy decoding. Pure apart from the scorer.

import { EOS, SOS, SYMBOL_OFFSET } from '../models/las-config.js';

/** What beam search drives: a batch of K hypotheses' decoder states, advanced one grapheme at a time. */
export interface BeamScorer {
  /** The vocabulary: <sos>, <eos> and the graphemes. */
  readonly vocab: number;
  /** Back to one hypothesis at the start (K = 1). */
  reset(): void;
  /** Keeps the hypotheses `parents` (old row per new row; a row may repeat): K becomes parents.length. */
  select(parents: Int32Array): void;
  /** Feeds ids (K) to the K hypotheses; returns their next-symbol log-probabilities (K, vocab), a view. */
  step(ids: Int32Array): Float32Array;
}

export interface BeamOptions {
  beam: number;
  /** Most graphemes a hypothesis may have; one that reaches it ends there. */
  maxLen: number;
  /** Exponent of the length normalization (0: raw log-probability; default 1: per symbol). */
  lengthNorm?: number;
}

export interface Hypothesis {
  /** Alphabet ids (speller id − 2). */
  tokens: Int32Array;
  /** Σ log p of the graphemes and the closing <eos>. */
  logProb: number;
  /** logProb / (tokens + 1)^lengthNorm: what hypotheses are ranked by. */
  score: number;
}

/** The finished hypotheses, best first (at most a few more than `beam`). */
export function beamSearch(scorer: BeamScorer, options: BeamOptions): Hypothesis[] {
  const { beam, maxLen } = options;
  const norm = options.lengthNorm ?? 1;
  if (!(Number.isInteger(beam) && beam >= 1)) throw new RangeError(`beamSearch: beam ${beam}`);
  const V = scorer.vocab;
  const finished: Hypothesis[] = [];
  const finish = (tokens: number[], logProb: number) =>
    finished.push({
      tokens: Int32Array.from(tokens, (v) => v - SYMBOL_OFFSET),
      logProb,
      score: logProb / (tokens.length + 1) ** norm,
    });
  scorer.reset();
  let alive: { tokens: number[]; logProb: number }[] = [{ tokens: [], logProb: 0 }];
  let ids = Int32Array.of(SOS);
  for (let len = 0; alive.length > 0; len++) {
    const logp = scorer.step(ids);
    if (len === maxLen) {
      // No room for another grapheme: every hypothesis ends here, with its <eos> probability.
      for (let k = 0; k < alive.length; k++) finish(alive[k]!.tokens, alive[k]!.logProb + logp[k * V + EOS]!);
      break;
    }
    // The best `beam` extensions of all hypotheses (ties: earlier hypothesis, then lower id, as greedy's argmax).
    const top: { k: number; v: number; logProb: number }[] = [];
    for (let k = 0; k < alive.length; k++) {
      for (let v = EOS; v < V; v++) {
        const s = alive[k]!.logProb + logp[k * V + v]!;
        if (top.length === beam && !(s > top[beam - 1]!.logProb)) continue;
        let at = top.length;
        while (at > 0 && s > top[at - 1]!.logProb) at--;
        top.splice(at, 0, { k, v, logProb: s });
        if (top.length > beam) top.pop();
      }
    }
    const next: typeof alive = [];
    const parents: number[] = [];
    const nextIds: number[] = [];
    for (const c of top) {
      if (c.v === EOS) finish(alive[c.k]!.tokens, c.logProb);
      else {
        next.push({ tokens: [...alive[c.k]!.tokens, c.v], logProb: c.logProb });
        parents.push(c.k);
        nextIds.push(c.v);
      }
    }
    if (next.length === 0) break;
    // Enough finished, and each still open already less likely than one of them: extending only lowers it further.
    if (finished.length >= beam && next[0]!.logProb < Math.max(...finished.map((h) => h.logProb))) break;
    scorer.select(Int32Array.from(parents));
    alive = next;
    ids = Int32Array.from(nextIds);
  }
  return finished.sort((a, b) => b.score - a.score);
}
