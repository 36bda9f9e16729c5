import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  alignSpans,
  compareAlignments,
  frameCentre,
  frameGrid,
  graphemeSpans,
  resampleAlignment,
  synthAlignment,
} from '../../src/analysis/alignment.js';
import { alignPeaks, attentionAlignment, attentionPeaks } from '../../src/analysis/alignment-attention.js';

/** −1 × a, then each [value, count] run. */
function runs(...parts: [number, number][]): number[] {
  return parts.flatMap(([v, n]) => new Array<number>(n).fill(v));
}

const words = [
  { word: 'ab', start: 0.1, end: 0.3 },
  { word: 'cd', start: 0.4, end: 0.6 },
];

test('graphemeSpans() shares a word among its letters and the pause among the spaces', () => {
  const spans = graphemeSpans('ab cd', words)!;
  const close = (x: number, y: number) => Math.abs(x - y) < 1e-12;
  const expected = [
    [0.1, 0.2],
    [0.2, 0.3],
    [0.3, 0.4],
    [0.4, 0.5],
    [0.5, 0.6],
  ];
  spans.forEach((s, i) => {
    assert.ok(close(s.start, expected[i]![0]!) && close(s.end, expected[i]![1]!), `${i}: ${JSON.stringify(s)}`);
  });
  // Words that touch (eSpeak's timings) leave the space empty; spaces outside the words are empty too.
  const touching = graphemeSpans(' ab c ', [
    { word: 'ab', start: 0, end: 0.2 },
    { word: 'c', start: 0.2, end: 0.3 },
  ])!;
  assert.deepEqual(
    touching.map((s) => s.end - s.start > 0),
    [false, true, true, false, true, false],
  );
  // A word that starts before the previous one ends cuts it there.
  const overlap = graphemeSpans('ab c', [
    { word: 'ab', start: 0, end: 0.3 },
    { word: 'c', start: 0.2, end: 0.4 },
  ])!;
  assert.deepEqual(
    overlap.map((s) => [s.start, s.end]),
    [
      [0, 0.1],
      [0.1, 0.2],
      [0.2, 0.2],
      [0.2, 0.4],
    ],
  );
  // Timings of other words, or of a different number of words: no alignment.
  assert.equal(graphemeSpans('ab ce', words), null);
  assert.equal(graphemeSpans('ab cd ef', words), null);
  assert.equal(synthAlignment('ab cd', null, 10, frameGrid(1)), null);
});

test('synthAlignment() gives each frame the grapheme spoken at its centre, −1 in silence, at every frame rate', () => {
  // 10 ms frames centred at 12.5 ms + 10 ms·t: grapheme spans of 100 ms hold 10 frames each.
  assert.ok(Math.abs(frameCentre(9, frameGrid(1)) - 0.1025) < 1e-12);
  assert.deepEqual(
    [...synthAlignment('ab cd', words, 65, frameGrid(1))!],
    runs([-1, 9], [0, 10], [1, 10], [2, 10], [3, 10], [4, 10], [-1, 6]),
  );
  // 40 ms frames (two pyramid layers): frame t stands for 27.5 ms + 40 ms·t.
  const coarse = synthAlignment('ab cd', words, 16, frameGrid(4))!;
  assert.deepEqual([...coarse], runs([-1, 2], [0, 3], [1, 2], [2, 3], [3, 2], [4, 3], [-1, 1]));
  // Carried from the 10 ms frames, the same (each frame takes the 10 ms frame at its centre).
  const fine = synthAlignment('ab cd', words, 65, frameGrid(1))!;
  assert.deepEqual([...resampleAlignment(fine, frameGrid(1), frameGrid(4), 16)], [...coarse]);
  // And back to 20 ms frames from the 40 ms ones; frames beyond the source are silence.
  assert.deepEqual(
    [...resampleAlignment(coarse, frameGrid(4), frameGrid(2), 34)],
    [...coarse].flatMap((g) => [g, g]).concat([-1, -1]),
  );
  // alignSpans of no spans: all silence.
  assert.deepEqual([...alignSpans([], 3, frameGrid(1))], [-1, -1, -1]);
});

test('attentionAlignment() puts each grapheme at its peak and splits the frames between peaks at the midpoints', () => {
  const U = 12;
  const peaksAt = (peaks: number[]) => {
    const w = new Float32Array(peaks.length * U).fill(0.01);
    peaks.forEach((p, i) => {
      w[i * U + p] = 0.9;
      if (p + 1 < U) w[i * U + p + 1] = 0.05; // a shoulder that must not move the peak
    });
    return w;
  };
  // Peaks 2, 5, 8: boundaries ⌈3.5⌉ = 4 and ⌈6.5⌉ = 7; the first and last spans centred on their peaks.
  assert.deepEqual([...attentionAlignment(peaksAt([2, 5, 8]), 3, U)], runs([-1, 1], [0, 3], [1, 3], [2, 3], [-1, 2]));
  // A step that looks back is moved up to the previous peak; graphemes sharing a peak leave it to the last one.
  assert.deepEqual([...attentionPeaks(peaksAt([2, 1, 8]), 3, U)], [2, 2, 8]);
  assert.deepEqual([...attentionAlignment(peaksAt([2, 1, 8]), 3, U)], runs([-1, 2], [1, 3], [2, 7]));
  // Spans are clipped to the frames; a lone grapheme holds its peak frame.
  assert.deepEqual([...alignPeaks(Int32Array.of(0, 11), U)], runs([0, 6], [1, 6]));
  assert.deepEqual([...alignPeaks(Int32Array.of(4), 6)], [-1, -1, -1, -1, 0, -1]);
  // Rows further apart than the frames (a batch's row stride), and the <eos> row after the graphemes ignored.
  const strided = new Float32Array(3 * 20);
  for (const [i, p] of [2, 5, 8].entries()) strided[i * 20 + p] = 1;
  strided[2 * 20 + 1] = 5; // the <eos> row, not read when asked for 2 graphemes
  assert.deepEqual([...attentionPeaks(strided, 2, U, 20)], [2, 5]);
});

test('compareAlignments() counts agreeing frames and the mean offset of grapheme centres', () => {
  const a = Int32Array.of(-1, 0, 0, 1, 1, -1);
  const b = Int32Array.of(-1, -1, 0, 0, 1, 1);
  assert.deepEqual(compareAlignments(a, b), {
    frames: 5,
    same: 2,
    share: 0.4,
    graphemes: 2,
    meanOffset: 1,
    meanAbsOffset: 1,
  });
  const none = compareAlignments(Int32Array.of(-1), Int32Array.of(-1));
  assert.equal(none.share, null);
  assert.equal(none.meanOffset, null);
  assert.throws(() => compareAlignments(a, Int32Array.of(0)), RangeError);
});

test('attention peaking at the centre of each synthesized grapheme gives the synthesizer alignment back', () => {
  // Graphemes of 3 frames each from frame 4 on ('ab c', the space a pause of 3 frames too).
  const w = 0.03;
  const t0 = 4 * 0.01 + 0.0075; // frame 4 starts half a shift before its centre
  const timings = [
    { word: 'ab', start: t0, end: t0 + 2 * w },
    { word: 'c', start: t0 + 3 * w, end: t0 + 4 * w },
  ];
  const synth = synthAlignment('ab c', timings, 20, frameGrid(1))!;
  assert.deepEqual([...synth], runs([-1, 4], [0, 3], [1, 3], [2, 3], [3, 3], [-1, 4]));
  const U = 20;
  const att = new Float32Array(4 * U);
  for (let i = 0; i < 4; i++) att[i * U + 5 + 3 * i] = 1;
  const fromAttention = attentionAlignment(att, 4, U);
  assert.deepEqual(compareAlignments(synth, fromAttention), {
    frames: 12,
    same: 12,
    share: 1,
    graphemes: 4,
    meanOffset: 0,
    meanAbsOffset: 0,
  });
});
