import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CapacityProbe, DeltaSignature, LayerSpeech, Signature } from '../../src/analysis/signature-types.js';
import { packageFile } from '../../src/io/package-files.js';
import {
  readSignature,
  SIGNATURE_SCHEMA_PATH,
  serializeSignature,
  validateSignature,
  writeSignature,
} from '../../src/io/signature-file.js';
import { assertUserError, rejectsUserError, tempDir, tempFilesIn } from './helpers.js';

const LABEL = 'out/sig.json';

// biome-ignore lint/suspicious/noExplicitAny: the tests write ill-typed values on purpose
type Loose = any;

// The worked example of test/analysis/metrics.test.ts (buildDeltaSignature), with its unrounded values.
function delta(d: number): DeltaSignature {
  return {
    delta: d,
    positions: { train: 5, dev: 2, eval: 7 },
    keepProb: 0.8,
    epochs: 4,
    devAccuracy: 0.5,
    accuracy: 5 / 7,
    accuracyInterval: { low: 0.358934449531054, high: 0.9177810767507166 },
    chanceAccuracy: 0.6,
    chanceSymbol: 'a',
    pValue: 0.41990400000000005,
    count: [2, 2, 3],
    recall: [0.5, 1, 2 / 3],
    prior: [0.6, 0.2, 0.2],
    confusion: [
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 2],
    ],
    crossEntropyBits: 1,
    priorEntropyBits: 1.3709505944546687,
    informationBits: 0.3709505944546687,
    convergence: {
      converged: d === 1,
      dataGain: d === 1 ? 0.002 : 0.011,
      epochGain: 0,
      curve: {
        half: [0.25, 0.5],
        full: [0.5, 0.5, 0.5],
        halfEnd: 'plateau',
        fullEnd: 'plateau',
        halfLr: [0.003, 0.003],
        fullLr: [0.003, 0.0006, 0.0006],
        halfPositions: 2,
        fullPositions: 5,
        dataGainStdError: 0.004,
      },
    },
    // The decoder right on 5 of 7, the baseline on 4: 2 positions only the decoder gets, 1 only the baseline.
    textBaseline: {
      order: 10,
      context: Math.max(1, d),
      accuracy: 4 / 7,
      accuracyInterval: { low: 0.25, high: 0.84 },
      recall: [0.5, 0.5, 2 / 3],
      crossEntropyBits: 1.2,
      decoderOnly: 2,
      baselineOnly: 1,
      excessPValue: 0.5,
      excessInterval: { low: -0.2, high: 0.5 },
    },
    // Two seeds that agree: the means above are theirs. Seeds of the model here (`of`: a group's mean, as memsig
    // compare or diff of a group makes it); without `of`, of the decoder (--decoder-seeds 2).
    seeds: {
      of: 'model',
      seeds: [1, 100001],
      accuracy: [5 / 7, 5 / 7],
      accuracySpread: { mean: 5 / 7, sd: 0, min: 5 / 7, max: 5 / 7 },
      informationBits: [0.3709505944546687, 0.3709505944546687],
      informationBitsSpread: { mean: 0.3709505944546687, sd: 0, min: 0.3709505944546687, max: 0.3709505944546687 },
      recallSd: [0, 0, 0],
      recallMin: [0.5, 1, 2 / 3],
      recallMax: [0.5, 1, 2 / 3],
      keepProbs: [0.8, 0.8],
    },
    // --mdl: two blocks of 2 and 3 positions (the first at log2 3 bits each), two decoder seeds.
    onlineCode: {
      ends: [2, 5],
      blockBits: [2 * Math.log2(3), 3],
      totalBits: 2 * Math.log2(3) + 3,
      bitsPerPosition: (2 * Math.log2(3) + 3) / 5,
      uniformBitsPerPosition: Math.log2(3),
      priorBitsPerPosition: 1.3709505944546687,
      compression: (5 * Math.log2(3)) / (2 * Math.log2(3) + 3),
      priorCompression: (5 * 1.3709505944546687) / (2 * Math.log2(3) + 3),
      seedBitsPerPosition: [1.2, (2 * (2 * Math.log2(3) + 3)) / 5 - 1.2],
    },
  };
}

/** Where a speech model's layer sits (version 2, speech models only). */
function speech(role: LayerSpeech['role']): LayerSpeech {
  return role === 'encoder'
    ? {
        role,
        label: 'listener layer 1',
        reads: 'c',
        direction: 'both',
        frameSeconds: 0.01,
        alignment: 'synth',
        window: 2,
      }
    : {
        role,
        label: 'speller query',
        reads: 'query',
        direction: null,
        frameSeconds: null,
        alignment: null,
        window: null,
      };
}

/** --capacity-sweep: a linear decoder and the layer's own (factor 1, `hidden`). */
function capacity(hidden: number[], parameters: number): CapacityProbe[] {
  return [0, 1].map((factor) => ({
    factor,
    hidden: factor === 0 ? [] : hidden,
    parameters: factor === 0 ? 15 : parameters,
    deltas: [1, 2].map((d) => ({
      delta: d,
      accuracy: factor === 0 ? 3 / 7 : 5 / 7,
      accuracyInterval: { low: 0.1, high: 0.9 },
      crossEntropyBits: 1.2,
      informationBits: 0.17,
      keepProb: 1,
      front: true,
    })),
  }));
}

/** A complete signature: every nullable field filled in, so it shows every key of the type. */
function fullSignature(): Signature {
  return {
    format: 'memsig-signature',
    version: 2,
    generator: 'memsig 0.1.0',
    model: {
      kind: 'char-lm',
      label: '2-layer LSTM, 4 units',
      cell: 'lstm',
      layers: 2,
      units: 4,
      embed: 3,
      weightsSha256: 'b'.repeat(64),
      details: { order: 5, note: 'x' },
    },
    corpus: {
      source: 'sotu',
      sha256: 'a'.repeat(64),
      segmentation: 'sentence',
      split: { train: 0.8, dev: 0.1, eval: 0.1, seed: 7 },
      symbols: { train: 8000, dev: 1000, eval: 1000 },
      maxChars: 100000,
    },
    alphabet: ['a', 'b', ' '],
    target: { kind: 'grapheme', classes: ['a', 'b', ' '] },
    state: 'c',
    maxDelta: 2,
    settings: {
      seed: 3,
      trainPositions: 100,
      devPositions: 10,
      evalPositions: 10,
      keepProbs: [0.5, 0.6, 0.7, 0.8, 0.9, 1],
      hidden: [64],
      maxEpochs: 50,
      patience: 3,
      batch: 128,
      lr: 0.001,
      sweepEpochs: 1,
      finalists: 1,
      halfStage: true,
      epochsPerRate: 3,
      lrDecay: 0.25,
      decays: 2,
      minImprovement: 0.001,
      roundPositions: 500_000,
      whiten: true,
      convergenceTolerance: 0.005,
      decoderSeeds: 2,
      capacityFactors: [0, 1],
      onlineCodeBlocks: [0.4, 1],
    },
    forward: { accuracy: 0.5, perplexity: 2.5, count: [4, 3, 3], correct: [3, 1, 1], recall: [0.75, 1 / 3, 1 / 3] },
    layers: [
      {
        layer: 1,
        stateSize: 4,
        speech: speech('encoder'),
        decoder: { hidden: [64], parameters: 451, rule: 'given' },
        current: delta(0),
        deltas: [delta(1), delta(2)],

        capacity: capacity([64], 451),
      },
      {
        layer: 2,
        stateSize: 4,
        speech: speech('decoder'),
        decoder: { hidden: [], parameters: 15, rule: 'paper-rule' },
        current: delta(0),
        deltas: [delta(1), delta(2)],
        capacity: capacity([], 15),
      },
    ],
  };
}

function changed(edit: (s: Record<string, Loose>) => void): unknown {
  const s = structuredClone(fullSignature()) as Record<string, Loose>;
  edit(s);
  return s;
}

function rejects(edit: (s: Record<string, Loose>) => void, pattern: RegExp): void {
  assertUserError(() => validateSignature(changed(edit), LABEL), pattern);
}

// ---- Schema ↔ type ----

type Schema = Record<string, Loose>;
const schema: Schema = JSON.parse(readFileSync(packageFile(...SIGNATURE_SCHEMA_PATH), 'utf8'));

function resolve(node: Schema): Schema {
  return node.$ref ? resolve(schema.$defs[node.$ref.replace('#/$defs/', '')]) : node;
}

/**
 * Walks the example and the schema together: every object must list exactly the example's keys, all required but
 * those that version 2 added (their descriptions start "Version 2:"), which version 1 files lack.
 */
function compare(value: unknown, node: Schema, path: string, free = false): void {
  const n = resolve(node);
  if (Array.isArray(value)) {
    assert.ok(n.items, `${path}: the schema has no items`);
    value.forEach((item, i) => {
      compare(item, n.items, `${path}/${i}`);
    });
  } else if (value !== null && typeof value === 'object') {
    if (free) return; // details: a free-form map
    const keys = Object.keys(value);
    assert.deepEqual(Object.keys(n.properties ?? {}), keys, `${path}: schema properties`);
    const added = (key: string) => String(n.properties[key]?.description ?? '').startsWith('Version 2:');
    assert.deepEqual(
      n.required,
      keys.filter((key) => !added(key)),
      `${path}: schema required`,
    );
    assert.equal(n.additionalProperties, false, `${path}: additionalProperties`);
    for (const key of keys) {
      const child = n.properties[key];
      assert.ok(typeof child.description === 'string' && child.description.length > 0, `${path}/${key}: description`);
      compare((value as Record<string, unknown>)[key], child, `${path}/${key}`, key === 'details');
    }
  }
}

test('the schema lists exactly the fields of the Signature type, all required, each described', () => {
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.ok(schema.description);
  compare(fullSignature(), schema, '');
  // The signature built for this test is canonical: serializing keeps its key order.
  assert.deepEqual(JSON.parse(serializeSignature(fullSignature())), fullSignature());
});

test('accepts a complete signature, and one with every nullable field null', () => {
  const full = fullSignature();
  assert.deepEqual(validateSignature(structuredClone(full), LABEL), full);
  const bare = changed((s) => {
    s.model = { ...s.model, cell: null, embed: null, weightsSha256: null, details: {} };
    s.corpus.maxChars = null;
    s.settings.hidden = null;
    s.forward = null;
    s.alphabet = ['x', 'é', '😀'];
    s.layers = [s.layers[1]];
    for (const d of [s.layers[0].current, ...s.layers[0].deltas]) d.chanceSymbol = '😀';
  });
  assert.equal(validateSignature(bare, LABEL).forward, null);
});

// ---- Writing ----

test('write → read round-trips, with deterministic bytes', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'sig.json');
  const sig = fullSignature();
  await writeSignature(path, sig);
  assert.deepEqual(await readSignature(path), sig);
  const bytes = readFileSync(path, 'utf8');
  assert.equal(bytes, serializeSignature(sig));
  assert.ok(bytes.endsWith('}\n') && !bytes.endsWith('\n\n'));
  assert.ok(bytes.startsWith('{\n  "format": "memsig-signature",\n  "version": 2,\n  "generator"'));
  assert.deepEqual(tempFilesIn(dir), []);
  // Same object → same bytes, every time; a second write replaces the file with the same bytes.
  await writeSignature(path, structuredClone(sig));
  assert.equal(readFileSync(path, 'utf8'), bytes);
  // Numbers are written shortest-round-trip, unrounded.
  assert.match(bytes, /"accuracy": 0\.7142857142857143,/);
  assert.match(bytes, /"pValue": 0\.41990400000000005,/);
});

test('key order comes from the type, not from the object', () => {
  const sig = fullSignature();
  const shuffled = Object.fromEntries(Object.entries(sig).reverse()) as unknown as Signature;
  (shuffled as Loose).layers = sig.layers.map((l) => ({
    ...Object.fromEntries(Object.entries(l).reverse()),
    deltas: l.deltas.map((d) => Object.fromEntries(Object.entries(d).reverse())),
  }));
  (shuffled as Loose).model = { ...sig.model, details: { note: 'x', order: 5 } };
  assert.equal(serializeSignature(shuffled), serializeSignature(sig));
  // details keys are sorted.
  assert.ok(serializeSignature(sig).includes('"details": {\n      "note": "x",\n      "order": 5\n    }'));
});

test('refuses to write NaN, Infinity or an invalid signature, leaving no file', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'sig.json');
  const nan = fullSignature();
  nan.layers[0]!.deltas[1]!.crossEntropyBits = Number.NaN;
  assert.throws(() => serializeSignature(nan), /"crossEntropyBits" is NaN, which JSON cannot hold/);
  await assert.rejects(writeSignature(path, nan), /NaN/);
  const bad = fullSignature();
  bad.layers[0]!.deltas[0]!.delta = 2;
  await assert.rejects(writeSignature(path, bad), (err: unknown) => {
    assert.ok(err instanceof Error && err.name === 'Error', 'a bug, not a UserError');
    assert.match(
      err.message,
      /^refusing to write an invalid signature: .*sig\.json: \/layers\/0\/deltas\/0\/delta must be 1/,
    );
    return true;
  });
  assert.deepEqual(tempFilesIn(dir), []);
  assert.throws(() => readFileSync(path));
});

test('reading reports missing files, bad JSON and invalid content with the path', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'sig.json');
  await rejectsUserError(readSignature(path), /sig\.json: cannot read: no such file or directory$/);
  writeFileSync(path, '{"format": ');
  await rejectsUserError(readSignature(path), /sig\.json: not valid JSON/);
  writeFileSync(path, JSON.stringify(changed((s) => delete s.maxDelta)));
  await rejectsUserError(readSignature(path), /sig\.json: missing field \/maxDelta$/);
});

// ---- Validation messages ----

test('rejects other files and versions with a plain message', () => {
  assertUserError(() => validateSignature([], LABEL), /^out\/sig\.json: a memory signature must be a JSON object$/);
  assertUserError(
    () => validateSignature({ format: 'memsig-model', version: 1 }, LABEL),
    /^out\/sig\.json: not a memsig signature \("format" is "memsig-model", expected "memsig-signature"\)$/,
  );
  rejects(
    (s) => (s.version = 3),
    /^out\/sig\.json: signature version 3 is not supported \(this memsig reads versions 1 and 2; it writes 2\)$/,
  );
  rejects((s) => (s.version = '1'), /\/version must be one of 1, 2 \(found "1"\)$/);
});

test('reads a version 1 file, which has no schedule settings and no convergence marks, and writes it back as it was', () => {
  const v1 = changed((s) => {
    s.version = 1;
    for (const key of [
      'sweepEpochs',
      'finalists',
      'halfStage',
      'epochsPerRate',
      'lrDecay',
      'decays',
      'minImprovement',
      'roundPositions',
      'whiten',
    ]) {
      delete s.settings[key];
    }
    delete s.settings.convergenceTolerance;
    delete s.target;
    for (const l of s.layers) {
      delete l.speech;
      delete l.current;
      for (const d of l.deltas) delete d.convergence;
    }
  }) as Signature;
  const read = validateSignature(structuredClone(v1), LABEL);
  assert.equal(read.version, 1);
  assert.deepEqual(JSON.parse(serializeSignature(read)), v1);
});

test('rejects missing, unknown and wrongly typed fields, naming the field', () => {
  rejects((s) => delete s.generator, /^out\/sig\.json: missing field \/generator$/);
  rejects((s) => delete s.layers[1].deltas[0].pValue, /^out\/sig\.json: missing field \/layers\/1\/deltas\/0\/pValue$/);
  rejects((s) => (s.extra = 1), /^out\/sig\.json: unknown field \/extra$/);
  rejects((s) => (s.settings.momentum = 0.9), /unknown field \/settings\/momentum$/);
  rejects(
    (s) => (s.layers[0].deltas[1].accuracy = 1.5),
    /\/layers\/0\/deltas\/1\/accuracy must be <= 1 \(found 1\.5\)$/,
  );
  rejects(
    (s) => (s.layers[0].deltas[0].count[1] = 2.5),
    /\/layers\/0\/deltas\/0\/count\/1 must be an integer \(found 2\.5\)$/,
  );
  rejects((s) => (s.layers[0].deltas[0].recall[0] = 'high'), /\/recall\/0 must be a number or null \(found "high"\)$/);
  rejects((s) => (s.state = 'x'), /\/state must be one of "c", "h" \(found "x"\)$/);
  rejects(
    (s) => (s.layers[0].decoder.rule = 'guess'),
    /\/layers\/0\/decoder\/rule must be one of "paper-rule", "given"/,
  );
  rejects((s) => (s.model.weightsSha256 = 'ABC'), /\/model\/weightsSha256 must match pattern/);
  rejects(
    (s) => (s.model.details.order = true),
    /\/model\/details\/order must be a number or a string \(found true\)$/,
  );
  rejects((s) => (s.forward = 'none'), /\/forward must be an object or null \(found "none"\)$/);
  rejects((s) => (s.settings.keepProbs = [0]), /\/settings\/keepProbs\/0 must be > 0/);
  rejects((s) => (s.layers = []), /\/layers must NOT have fewer than 1 items/);
  rejects((s) => (s.alphabet = ['a', 'bc', ' ']), /\/alphabet\/1 must NOT have more than 1 characters/);
});

test('rejects what the schema cannot see: the alphabet, per-symbol lengths, δ order, repeated layers', () => {
  rejects((s) => (s.alphabet = ['a', 'b', 'a']), /^out\/sig\.json: \/alphabet has "a" twice \(items 0 and 2\)$/);
  // A character outside the basic plane is one symbol; two combined code points are not.
  rejects((s) => (s.alphabet = ['a', 'e\u0301', ' ']), /\/alphabet\/1 must NOT have more than 1 characters/);
  rejects(
    (s) => (s.forward.recall = [1, 1]),
    /^out\/sig\.json: \/forward\/recall has 2 entries, one per alphabet symbol expected \(3\)$/,
  );
  rejects((s) => (s.forward.correct[0] = 5), /\/forward\/correct\/0 is 5, more than \/forward\/count\/0 \(4\)$/);
  rejects((s) => s.layers[1].deltas[1].prior.push(0), /\/layers\/1\/deltas\/1\/prior has 4 entries, one per alphabet/);
  rejects((s) => (s.layers[0].deltas[0].count = [2, 2]), /\/layers\/0\/deltas\/0\/count has 2 entries/);
  rejects((s) => s.layers[0].deltas[0].confusion.pop(), /\/layers\/0\/deltas\/0\/confusion has 2 entries/);
  rejects(
    (s) => s.layers[0].deltas[0].confusion[2].push(0),
    /\/layers\/0\/deltas\/0\/confusion\/2 has 4 entries, one per alphabet symbol expected \(3\)$/,
  );
  rejects(
    (s) => (s.layers[0].deltas[0].confusion[2] = [0, 0, 2]),
    /\/layers\/0\/deltas\/0\/confusion\/2 sums to 2, but \/layers\/0\/deltas\/0\/count\/2 is 3$/,
  );
  rejects(
    (s) => (s.layers[0].deltas[0].positions.eval = 8),
    /\/layers\/0\/deltas\/0\/count sums to 7, but \/layers\/0\/deltas\/0\/positions\/eval is 8$/,
  );
  rejects(
    (s) => s.layers[0].deltas.reverse(),
    /^out\/sig\.json: \/layers\/0\/deltas\/0\/delta must be 1 \(δ = 1\.\.maxDelta in order; found 2\)$/,
  );
  rejects((s) => (s.maxDelta = 3), /\/layers\/0\/deltas has 2 entries, expected one per δ = 1\.\.3$/);
  rejects((s) => (s.layers[1].layer = 1), /^out\/sig\.json: \/layers\/1\/layer: layer 1 is also \/layers\/0$/);
  rejects(
    (s) => (s.layers[0].deltas[1].chanceSymbol = 'z'),
    /\/layers\/0\/deltas\/1\/chanceSymbol "z" is not in the alphabet$/,
  );
  rejects(
    (s) => (s.layers[0].deltas[1].accuracyInterval = { low: 0.9, high: 0.1 }),
    /\/layers\/0\/deltas\/1\/accuracyInterval has low 0\.9 above high 0\.1$/,
  );
  // Speech signatures: δ = 0 only as a layer's current, one class name per symbol.
  rejects((s) => (s.layers[0].current.delta = 1), /\/layers\/0\/current\/delta must be 0 \(δ = 0 is the current/);
  rejects((s) => (s.layers[0].deltas[0].delta = 0), /\/layers\/0\/deltas\/0\/delta must be 1 /);
  rejects((s) => (s.layers[1].current.count = [7]), /\/layers\/1\/current\/count has 1 entries/);
  rejects((s) => s.target.classes.pop(), /^out\/sig\.json: \/target\/classes has 2 entries, one per alphabet symbol/);
});

test('a text-only baseline is optional, and its recall and its pairing with the decoder must add up', () => {
  const without = changed((s) => {
    for (const l of s.layers) for (const d of [l.current, ...l.deltas]) delete d.textBaseline;
  });
  assert.equal(validateSignature(without, LABEL).layers[0]!.deltas[0]!.textBaseline, undefined);
  rejects(
    (s) => s.layers[0].deltas[0].textBaseline.recall.pop(),
    /\/layers\/0\/deltas\/0\/textBaseline\/recall has 2 entries, one per alphabet symbol expected \(3\)$/,
  );
  rejects(
    (s) => (s.layers[0].deltas[1].textBaseline.baselineOnly = 0),
    /\/layers\/0\/deltas\/1\/textBaseline: accuracy − textBaseline\.accuracy \(.*\) is not \(decoderOnly − baselineOnly\)/,
  );
  rejects(
    (s) => (s.layers[0].deltas[0].textBaseline.decoderOnly = 9),
    /\/layers\/0\/deltas\/0\/textBaseline: decoderOnly \+ baselineOnly \(10\) exceed the 7 eval positions$/,
  );
  rejects((s) => (s.layers[0].deltas[0].textBaseline.order = 1), /\/textBaseline\/order must be >= 2/);
});

test('decoder seeds are optional; their means must be those of the seeds, and only they make counts fractional', () => {
  const without = changed((s) => {
    delete s.settings.decoderSeeds;
    for (const l of s.layers) for (const d of [l.current, ...l.deltas]) delete d.seeds;
  });
  assert.equal(validateSignature(without, LABEL).layers[0]!.deltas[0]!.seeds, undefined);
  // What was seeded is optional too (absent: the decoder), and only "model" names another.
  const decoderSeeds = changed((s) => {
    for (const l of s.layers) for (const d of [l.current, ...l.deltas]) delete d.seeds.of;
  });
  assert.equal(validateSignature(decoderSeeds, LABEL).layers[0]!.deltas[0]!.seeds!.of, undefined);
  rejects(
    (s) => (s.layers[0].deltas[0].seeds.of = 'weights'),
    /\/seeds\/of must be one of "model" \(found "weights"\)$/,
  );
  // A mean over seeds: fractional counts whose rows sum to the count up to rounding.
  const fractional = changed((s) => {
    s.layers[0].deltas[0].confusion[0] = [1 / 3 + 2 / 3, 0.6 + 0.4 - 1e-12, 0];
    s.layers[0].deltas[0].textBaseline.decoderOnly = 2.5;
    s.layers[0].deltas[0].textBaseline.baselineOnly = 1.5;
  });
  assert.ok(validateSignature(fractional, LABEL));
  rejects((s) => {
    delete s.layers[0].deltas[0].seeds;
    s.layers[0].deltas[0].confusion[0] = [0.5, 1.5, 0];
  }, /\/layers\/0\/deltas\/0\/confusion\/0\/0 must be a whole number \(found 0\.5\)$/);
  rejects((s) => {
    delete s.layers[0].deltas[0].seeds;
    s.layers[0].deltas[0].textBaseline.decoderOnly = 2.5;
    s.layers[0].deltas[0].textBaseline.baselineOnly = 1.5;
  }, /\/textBaseline\/decoderOnly must be a whole number \(found 2\.5\)$/);
  rejects(
    (s) => s.layers[0].deltas[1].seeds.accuracy.pop(),
    /\/layers\/0\/deltas\/1\/seeds\/accuracy has 1 entries, one per seed expected \(2\)$/,
  );
  rejects(
    (s) => (s.layers[0].deltas[1].seeds.accuracy = [0.5, 0.6]),
    /\/layers\/0\/deltas\/1\/seeds\/accuracy averages 0\.55, but the decoder's accuracy is 0\.714/,
  );
  rejects(
    (s) => s.layers[0].deltas[1].seeds.recallSd.pop(),
    /\/seeds\/recallSd has 2 entries, one per alphabet symbol/,
  );
  rejects((s) => (s.layers[0].deltas[1].seeds.seeds = [1]), /\/seeds\/seeds must NOT have fewer than 2 items/);
  rejects((s) => (s.settings.decoderSeeds = 1), /\/settings\/decoderSeeds must be >= 2/);
});
