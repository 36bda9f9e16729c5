import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BeamScorer, beamSearch } from '../../src/asr/beam-search.js';
import { decodeCtcGreedy } from '../../src/asr/ctc-decode.js';
import { defaultDecodeConfig, recognizeUtterances } from '../../src/asr/recognize.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';
import { Las, type LasConfig } from '../../src/models/las.js';

function tinyLas(seed: number, over: Partial<LasConfig> = {}): Las {
  const las = new Las({
    features: 4,
    stack: 1,
    listenerLayers: 2,
    pyramidLayers: 1,
    listenerUnits: 4,
    alphabet: 5,
    embed: 3,
    spellerLayers: 2,
    spellerUnits: 5,
    attention: 4,
    location: { filters: 2, kernel: 3 },
    outputHidden: 6,
    labelSmoothing: 0,
    ctcWeight: 0.3,
    ...over,
  });
  las.initialize(new Rng(seed));
  for (const t of las.params.values()) for (let i = 0; i < t.data.length; i++) t.data[i] *= 3;
  // <eos> less likely, so that the transcripts have a few graphemes.
  las.params.get('speller.out.bias')!.data[1] -= 2;
  return las;
}

test('beam search of width 1 gives greedy decoding (Las.greedyDecode) exactly', () => {
  for (const [seed, over] of [
    [1, {}],
    [2, { location: null, spellerLayers: 1 }],
  ] as [number, Partial<LasConfig>][]) {
    const las = tinyLas(seed, over);
    const rng = new Rng(seed + 10);
    const items = [14, 9, 20, 6].map((frames) => ({
      features: new Float32Array(frames * 4).map(() => rng.normal()),
      frames,
      labels: new Int32Array(0),
    }));
    const greedy = recognizeUtterances(tsGemm, las, items, 4, defaultDecodeConfig());
    // Beam 1 without rescoring takes Las's batched greedy path; a token CTC weight sends it through the step scorer
    // and beamSearch instead (with one hypothesis, rescoring has nothing to reorder).
    const beam = recognizeUtterances(tsGemm, las, items, 4, { ...defaultDecodeConfig(), beam: 1, ctcRescore: 1e-9 });
    assert.ok(
      greedy.some((r) => r.tokens.length > 1),
      'transcripts of some length',
    );
    for (let i = 0; i < items.length; i++)
      assert.deepEqual([...beam[i]!.tokens], [...greedy[i]!.tokens], `utterance ${i}`);
  }
});

/** A scorer from a table: the next-symbol distribution depends on the prefix fed so far. */
class TableScorer implements BeamScorer {
  readonly vocab = 4; // <sos>, <eos>, a (2), b (3)
  private prefixes: string[] = [''];
  constructor(private readonly table: Record<string, number[]>) {}
  reset() {
    this.prefixes = [''];
  }
  select(parents: Int32Array) {
    this.prefixes = [...parents].map((p) => this.prefixes[p]!);
  }
  step(ids: Int32Array) {
    const out = new Float32Array(ids.length * 4);
    ids.forEach((id, k) => {
      if (id >= 2) this.prefixes[k] += 'ab'[id - 2];
      const probs = this.table[this.prefixes[k]!] ?? [0, 1, 0, 0];
      probs.forEach((p, v) => {
        out[k * 4 + v] = Math.log(p);
      });
    });
    return out;
  }
}

test('beam search finds the likelier transcript greedy decoding misses (a hand-made case)', () => {
  // Greedy takes "a" (0.6) and then faces a flat choice; "b" (0.4) continues surely: p(b<eos>) = 0.4 > 0.6·0.34.
  const scorer = new TableScorer({
    '': [0, 0, 0.6, 0.4],
    a: [0, 0.34, 0.33, 0.33],
    b: [0, 1, 0, 0],
  });
  const greedy = beamSearch(scorer, { beam: 1, maxLen: 5, lengthNorm: 0 });
  assert.deepEqual([...greedy[0]!.tokens], [0]);
  const beam = beamSearch(scorer, { beam: 2, maxLen: 5, lengthNorm: 0 });
  assert.deepEqual([...beam[0]!.tokens], [1]);
  assert.ok(Math.abs(beam[0]!.logProb - Math.log(0.4)) < 1e-6);
  // maxLen ends a hypothesis where it is.
  const sure = [0, 0.01, 0.99, 0];
  const capped = beamSearch(new TableScorer({ '': sure, a: sure, aa: sure }), {
    beam: 2,
    maxLen: 2,
  });
  assert.deepEqual([...capped[0]!.tokens], [0, 0]);
});

test('decodeCtcGreedy(): best path, repeats merged, blanks dropped', () => {
  const C = 3; // blank, x (0), y (1)
  const path = [1, 1, 0, 1, 2, 2, 0, 0];
  const logits = new Float32Array(path.length * C);
  path.forEach((k, t) => {
    logits[t * C + k] = 5;
  });
  assert.deepEqual([...decodeCtcGreedy(logits, path.length, C)], [0, 0, 1]);
});
