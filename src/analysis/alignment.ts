// Which grapheme of a transcript is being spoken at each frame of a layer's own time axis (−1 in silence), from the
// synthesizer's word timings, and how far two such alignments agree. A speech model's positions carry labels this
// way: the grapheme δ before the one being spoken is what decoder δ names. Pure.

import type { WordTiming } from '../speech/synthesizer.js';

/** Where a layer's frames sit in time. */
export interface FrameGrid {
  /** Seconds between feature frames and each feature frame's window (Kaldi fbank: 0.01 and 0.025). */
  shiftSeconds: number;
  lengthSeconds: number;
  /** Feature frames per frame of this axis: stacking × 2 per pyramid layer at or below the layer (1: the features). */
  factor: number;
}

export function frameGrid(factor: number, shiftSeconds = 0.01, lengthSeconds = 0.025): FrameGrid {
  if (!(Number.isInteger(factor) && factor >= 1)) throw new RangeError(`frame factor must be a whole number ≥ 1`);
  return { shiftSeconds, lengthSeconds, factor };
}

/** Seconds between consecutive frames of the grid. */
export function framePeriod(grid: FrameGrid): number {
  return grid.shiftSeconds * grid.factor;
}

/**
 * The time a frame stands for: the middle of the centres of the feature frames it reads (frame t of factor f reads
 * feature frames f·t … f·t + f − 1, each centred half a window after its start).
 */
export function frameCentre(t: number, grid: FrameGrid): number {
  return (grid.factor * t + (grid.factor - 1) / 2) * grid.shiftSeconds + grid.lengthSeconds / 2;
}

/** A grapheme's interval [start, end) in seconds; empty when start = end (never spoken at any frame). */
export interface GraphemeSpan {
  start: number;
  end: number;
}

/**
 * Where each grapheme of `transcript` is spoken, from word timings of its space-separated words (in order, the same
 * words; otherwise null). The rule: the letters of a word share the word's interval equally, in order; the spaces
 * between two words share the pause between them (empty when the words touch, as eSpeak's timings do); spaces
 * before the first word or after the last are empty. A word that starts before the previous one ends is cut at
 * its start, so spans never overlap.
 */
export function graphemeSpans(transcript: string, words: readonly WordTiming[]): GraphemeSpan[] | null {
  const chars = [...transcript];
  const tokens: { from: number; to: number }[] = []; // character ranges of the words
  for (let i = 0; i < chars.length; ) {
    if (chars[i] === ' ') {
      i++;
      continue;
    }
    let j = i;
    while (j < chars.length && chars[j] !== ' ') j++;
    tokens.push({ from: i, to: j });
    i = j;
  }
  if (tokens.length === 0 || tokens.length !== words.length) return null;
  for (let k = 0; k < tokens.length; k++) {
    if (chars.slice(tokens[k]!.from, tokens[k]!.to).join('') !== words[k]!.word) return null;
  }
  const spans: GraphemeSpan[] = new Array(chars.length);
  const first = words[0]!.start;
  const share = (from: number, to: number, start: number, end: number) => {
    const step = (end - start) / (to - from);
    for (let i = from; i < to; i++) spans[i] = { start: start + (i - from) * step, end: start + (i - from + 1) * step };
    if (to > from) spans[to - 1]!.end = end; // exact, whatever the rounding of the steps
  };
  share(0, tokens[0]!.from, first, first);
  for (let k = 0; k < tokens.length; k++) {
    const next = k + 1 < tokens.length ? words[k + 1]!.start : Number.POSITIVE_INFINITY;
    const start = k > 0 ? Math.max(words[k]!.start, spans[tokens[k]!.from - 1]!.end) : words[k]!.start;
    const end = Math.max(start, Math.min(words[k]!.end, next));
    share(tokens[k]!.from, tokens[k]!.to, start, end);
    // The spaces up to the next word fill the pause; after the last word they are empty.
    const more = k + 1 < tokens.length;
    share(tokens[k]!.to, more ? tokens[k + 1]!.from : chars.length, end, more ? Math.max(end, next) : end);
  }
  return spans;
}

/**
 * Per frame 0..frames−1 of `grid`, the index of the grapheme whose span holds the frame's centre (see frameCentre),
 * or −1 before the first span or after the last.
 */
export function alignSpans(spans: readonly GraphemeSpan[], frames: number, grid: FrameGrid): Int32Array {
  const out = new Int32Array(frames).fill(-1);
  let j = 0;
  for (let t = 0; t < frames; t++) {
    const time = frameCentre(t, grid);
    while (j < spans.length && spans[j]!.end <= time) j++;
    if (j < spans.length && spans[j]!.start <= time) out[t] = j;
  }
  return out;
}

/** alignSpans of graphemeSpans: null when the timings are missing or are not the transcript's words. */
export function synthAlignment(
  transcript: string,
  words: readonly WordTiming[] | null,
  frames: number,
  grid: FrameGrid,
): Int32Array | null {
  const spans = words ? graphemeSpans(transcript, words) : null;
  return spans ? alignSpans(spans, frames, grid) : null;
}

/**
 * An alignment on grid `from` carried to `frames` frames of grid `to`: each frame takes the grapheme of the `from`
 * frame that reads its central feature frame (−1 beyond the source's frames).
 */
export function resampleAlignment(alignment: Int32Array, from: FrameGrid, to: FrameGrid, frames: number): Int32Array {
  const out = new Int32Array(frames);
  for (let t = 0; t < frames; t++) {
    const centre = to.factor * t + (to.factor - 1) / 2; // in feature frames
    const s = Math.floor(centre / from.factor);
    out[t] = s < alignment.length ? alignment[s]! : -1;
  }
  return out;
}

/** How far two alignments of the same frames agree. */
export interface AlignmentAgreement {
  /** Frames where at least one alignment has a grapheme (silence in both is left out). */
  frames: number;
  /** Of those, frames where both name the same grapheme; share = same / frames (null with no frames). */
  same: number;
  share: number | null;
  /** Graphemes that have frames in both alignments. */
  graphemes: number;
  /**
   * Over those graphemes: the mean of (centre of its frames in b − centre in a), in frames, and the mean of its
   * absolute value (null with no such grapheme).
   */
  meanOffset: number | null;
  meanAbsOffset: number | null;
}

export function compareAlignments(a: Int32Array, b: Int32Array): AlignmentAgreement {
  if (a.length !== b.length) throw new RangeError(`alignments of ${a.length} and ${b.length} frames`);
  let frames = 0;
  let same = 0;
  const centres = (x: Int32Array) => {
    const sum = new Map<number, [number, number]>();
    for (let t = 0; t < x.length; t++) {
      if (x[t]! < 0) continue;
      const s = sum.get(x[t]!) ?? [0, 0];
      s[0] += t;
      s[1]++;
      sum.set(x[t]!, s);
    }
    return new Map([...sum].map(([g, [total, n]]) => [g, total / n]));
  };
  for (let t = 0; t < a.length; t++) {
    if (a[t]! < 0 && b[t]! < 0) continue;
    frames++;
    if (a[t] === b[t]) same++;
  }
  const ca = centres(a);
  const cb = centres(b);
  let graphemes = 0;
  let offset = 0;
  let absOffset = 0;
  for (const [g, centre] of ca) {
    const other = cb.get(g);
    if (other === undefined) continue;
    graphemes++;
    offset += other - centre;
    absOffset += Math.abs(other - centre);
  }
  return {
    frames,
    same,
    share: frames > 0 ? same / frames : null,
    graphemes,
    meanOffset: graphemes > 0 ? offset / graphemes : null,
    meanAbsOffset: graphemes > 0 ? absOffset / graphemes : null,
  };
}
