// Word timings from what the synthesizers report: eSpeak says when words start (and sometimes joins two words into
// one event), Flite says when each phone ends. Pure functions, so the mapping is tested without the synthesizers.

import type { WordTiming } from './synthesizer.js';

/** A word of a text and where it is: characters [start, end). */
export interface TextWord {
  word: string;
  start: number;
  end: number;
}

/** The space-separated words of `text`, with their character offsets. */
export function splitTextWords(text: string): TextWord[] {
  const out: TextWord[] = [];
  for (const m of text.matchAll(/[^ ]+/g)) out.push({ word: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

/** eSpeak's word event: its 1-based character position in the text, and when the word starts (seconds). */
export interface WordStart {
  position: number;
  time: number;
}

/**
 * Timings for every word of `text` from eSpeak's word-start events and the audio's end (seconds). An event belongs to
 * the first word not yet timed that ends at or after its position (eSpeak's positions can point at the space before a
 * word after a full stop). A word with no event of its own (eSpeak speaks "of the" as one) shares the interval of the
 * word before it, split by letter count. Words end where the next begins, so pauses count with the word before them.
 * Null when there are no events to go by.
 */
export function timeWordsFromStarts(text: string, starts: readonly WordStart[], endTime: number): WordTiming[] | null {
  const words = splitTextWords(text);
  if (words.length === 0) return [];
  const anchors = new Array<number | null>(words.length).fill(null);
  let next = 0;
  let lastTime = 0;
  for (const { position, time } of starts) {
    const at = position - 1;
    while (next < words.length && words[next].end <= at) next++;
    if (next >= words.length) break;
    if (time < lastTime || time > endTime) continue;
    anchors[next] = time;
    lastTime = time;
    next++;
  }
  if (anchors.every((a) => a === null)) return null;
  // Speech starts with the first word, whatever eSpeak reported for it.
  anchors[0] = 0;
  const out: WordTiming[] = [];
  const limit = floorMs(endTime); // rounding must not carry a word past the audio's end
  let i = 0;
  while (i < words.length) {
    let j = i + 1;
    while (j < words.length && anchors[j] === null) j++;
    const from = anchors[i]!;
    const to = j < words.length ? anchors[j]! : endTime;
    const group = words.slice(i, j);
    const letters = group.reduce((sum, w) => sum + w.word.length, 0);
    let t = from;
    for (const w of group) {
      const end = t + ((to - from) * w.word.length) / letters;
      out.push({ word: w.word, start: Math.min(roundMs(t), limit), end: Math.min(roundMs(end), limit) });
      t = end;
    }
    i = j;
  }
  return out;
}

/** Flite's phone segment: its name ("pau" for silence) and when it ends (seconds). */
export interface PhoneEnd {
  phone: string;
  end: number;
}

const HAS_LETTER = /\p{L}/u;

/** The words of `text` that Flite speaks (those with a letter), in order: what the phone groups must match. */
export function spokenWords(text: string): string[] {
  return splitTextWords(text)
    .map((w) => w.word)
    .filter((w) => HAS_LETTER.test(w));
}

/**
 * Timings for every word of `text` from Flite's phone segments of the utterance and the phones of each spoken word
 * (`groups`, from a run on the words alone, one group per spokenWords entry). Flite's phrase-level rules can change a
 * phone (the → "dh iy" before a vowel) but not how many a word has, so words are cut by the groups' phone counts;
 * the cut is trusted only when the counts add up and at least 80% of the phones agree, otherwise null. A word starts
 * with its first phone and ends with its last (pauses belong to no word); a word without letters gets an empty
 * interval where the word before it ends.
 */
export function timeWordsFromPhones(
  text: string,
  segments: readonly PhoneEnd[],
  groups: readonly (readonly string[])[],
): WordTiming[] | null {
  const words = splitTextWords(text);
  const spoken: { phone: string; start: number; end: number }[] = [];
  let previousEnd = 0;
  for (const s of segments) {
    if (s.end < previousEnd) return null; // times must run forward through one utterance
    if (s.phone !== 'pau') spoken.push({ phone: s.phone, start: previousEnd, end: s.end });
    previousEnd = s.end;
  }
  const speaking = words.filter((w) => HAS_LETTER.test(w.word));
  if (groups.length !== speaking.length || groups.some((g) => g.length === 0)) return null;
  const expected = groups.flat();
  if (expected.length !== spoken.length) return null;
  let agree = 0;
  for (let k = 0; k < expected.length; k++) if (expected[k] === spoken[k].phone) agree++;
  if (agree < 0.8 * expected.length) return null;

  const out: WordTiming[] = [];
  let k = 0;
  let g = 0;
  let lastEnd = 0;
  for (const w of words) {
    if (!HAS_LETTER.test(w.word)) {
      out.push({ word: w.word, start: roundMs(lastEnd), end: roundMs(lastEnd) });
      continue;
    }
    const n = groups[g++].length;
    const start = spoken[k].start;
    lastEnd = spoken[k + n - 1].end;
    k += n;
    out.push({ word: w.word, start: roundMs(start), end: roundMs(lastEnd) });
  }
  return out;
}

/** Splits Flite's `-ps` output (phone names, "pau" between phrases) into one group per word that was spoken alone. */
export function groupPhonesByPause(phones: readonly string[]): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  for (const p of phones) {
    if (p === 'pau') {
      if (current.length > 0) groups.push(current);
      current = [];
    } else {
      current.push(p);
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** `seconds` rounded down to a millisecond: the latest time a rounded timing may have inside audio that long. */
export function floorMs(seconds: number): number {
  return Math.floor(seconds * 1000 + 1e-9) / 1000;
}
