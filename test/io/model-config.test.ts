import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MODEL_CONFIG_SCHEMA_PATH, validateModelConfig } from '../../src/io/model-config.js';
import { packageFile } from '../../src/io/package-files.js';
import { assertUserError, validConfig } from './helpers.js';

const LABEL = 'runs/m1/config.json';

// Edits deliberately break the types, so the edited config is untyped.
// biome-ignore lint/suspicious/noExplicitAny: the tests write ill-typed values on purpose
type Loose = any;

// A valid config with one change made by `edit`.
function changed(edit: (c: Record<string, Loose>) => void): unknown {
  const c = structuredClone(validConfig()) as Record<string, Loose>;
  edit(c);
  return c;
}

function rejects(edit: (c: Record<string, Loose>) => void, pattern: RegExp): void {
  assertUserError(() => validateModelConfig(changed(edit), LABEL), pattern);
}

test('accepts a complete config, and one whose corpus, training and metrics are unknown', () => {
  const full = validConfig();
  assert.deepEqual(validateModelConfig(structuredClone(full), LABEL), full);
  const bare = changed((c) => {
    c.corpus = null;
    c.training = null;
    c.metrics = { devPerplexity: null, evalPerplexity: null };
    c.normalization.digitSymbol = null;
    c.normalization.unknown = 'drop';
    c.normalization.alphabet = ['x', 'é', '😀'];
    c.cell = 'gru';
  });
  assert.equal(validateModelConfig(bare, LABEL).cell, 'gru');
});

test('accepts a stream model: corpus read with segmentation none, an alphabet with capitals and a newline', () => {
  const stream = changed((c) => {
    c.corpus.segmentation = 'none';
    c.normalization = {
      alphabet: ['\n', ' ', 'e', 'E', '!', '3'],
      lowercase: false,
      digitSymbol: null,
      unknown: 'space',
      collapseWhitespace: false,
    };
  });
  assert.deepEqual(validateModelConfig(structuredClone(stream), LABEL), stream);
  // A model without a corpus record says how it reads text in the top-level field.
  const imported = changed((c) => {
    c.corpus = null;
    c.segmentation = 'none';
  });
  assert.equal(validateModelConfig(imported, LABEL).segmentation, 'none');
  rejects((c) => (c.segmentation = 'paragraph'), /\/segmentation must be one of "line", "sentence", "none"/);
  rejects(
    (c) => (c.corpus.segmentation = 'stream'),
    /\/corpus\/segmentation must be one of "line", "sentence", "none"/,
  );
});

test('rejects wrong field values, naming the file and the field', () => {
  rejects((c) => (c.units = 12.5), /^runs\/m1\/config\.json: \/units must be an integer \(found 12\.5\)$/);
  rejects((c) => (c.layers = 0), /^runs\/m1\/config\.json: \/layers must be >= 1 \(found 0\)$/);
  rejects((c) => (c.embed = '8'), /\/embed must be an integer \(found "8"\)/);
  rejects((c) => (c.cell = 'rnn'), /\/cell must be one of "lstm", "gru" \(found "rnn"\)/);
  rejects((c) => (c.kind = 'seq2seq'), /\/kind must be one of "char-lm", "factorized-lstm" \(found "seq2seq"\)/);
  rejects((c) => {
    c.kind = 'factorized-lstm';
    c.cell = 'gru';
  }, /\/cell must be "lstm" for a factorized-lstm model \(found "gru"\)/);
  rejects((c) => (c.lambda = 'corpus'), /\/lambda is for factorized-lstm models only \(this is a "char-lm" model\)/);
  rejects((c) => {
    c.kind = 'factorized-lstm';
    c.lambda = 'segment';
  }, /\/lambda must be one of "running", "corpus" \(found "segment"\)/);
  rejects(
    (c) => (c.normalization.alphabet = ['a', 'bc']),
    /\/normalization\/alphabet\/1 must NOT have more than 1 characters/,
  );
  rejects((c) => (c.normalization.alphabet = []), /\/normalization\/alphabet must NOT have fewer than 1 items/);
  rejects(
    (c) => (c.normalization.alphabet = ['a', 'b', 'a']),
    /\/normalization\/alphabet has "a" twice \(items 0 and 2\)$/,
  );
  rejects((c) => (c.normalization.unknown = 'keep'), /\/normalization\/unknown must be one of "drop", "space"/);
  rejects(
    (c) => (c.normalization.lowercase = 'yes'),
    /\/normalization\/lowercase must be true or false \(found "yes"\)$/,
  );
  rejects((c) => (c.corpus.sha256 = 'ABC'), /\/corpus\/sha256 must match pattern/);
  rejects((c) => (c.corpus.segmentation = 'word'), /\/corpus\/segmentation must be one of "line", "sentence"/);
  rejects((c) => (c.corpus.symbols.dev = -1), /\/corpus\/symbols\/dev must be >= 0/);
  rejects((c) => (c.training.lr = 0), /\/training\/lr must be > 0/);
  rejects((c) => (c.training.dropout = 1), /\/training\/dropout must be < 1/);
  rejects(
    (c) => (c.metrics.devPerplexity = 'low'),
    /\/metrics\/devPerplexity must be a number or null \(found "low"\)/,
  );
  rejects((c) => (c.corpus = 'sotu'), /\/corpus must be an object or null \(found "sotu"\)$/);
});

test('rejects missing and unknown fields', () => {
  rejects((c) => delete c.units, /^runs\/m1\/config\.json: missing field \/units$/);
  rejects((c) => delete c.normalization.collapseWhitespace, /missing field \/normalization\/collapseWhitespace$/);
  rejects((c) => (c.hidden = 3), /^runs\/m1\/config\.json: unknown field \/hidden$/);
  rejects((c) => (c.training.momentum = 0.9), /unknown field \/training\/momentum$/);
});

test('rejects files that are not memsig configs, or of another version, with a plain message', () => {
  assertUserError(() => validateModelConfig([], LABEL), /config\.json: a model config must be a JSON object$/);
  assertUserError(() => validateModelConfig(null, LABEL), /a model config must be a JSON object$/);
  rejects((c) => delete c.format, /not a memsig model config \("format" is missing, expected "memsig-model"\)$/);
  rejects((c) => (c.format = 'hf'), /not a memsig model config \("format" is "hf"/);
  rejects((c) => (c.version = 2), /config version 2 is not supported \(this memsig reads version 1\)$/);
  rejects((c) => (c.version = '1'), /\/version must be 1 \(found "1"\)/);
});

test('semantic checks: symbols are single characters, digit and space symbols are in the alphabet', () => {
  // U+0065 U+0301 is one visible character but two code points: not one symbol.
  rejects((c) => (c.normalization.alphabet = ['a', 'e\u0301']), /alphabet\/1 must NOT have more than 1 characters/);
  rejects((c) => (c.normalization.digitSymbol = '0'), /\/normalization\/digitSymbol "0" is not in the alphabet$/);
  rejects(
    (c) => (c.normalization.alphabet = c.normalization.alphabet.filter((s: string) => s !== ' ')),
    /\/normalization\/unknown is "space" but the alphabet has no space$/,
  );
});

interface SchemaNode {
  $ref?: string;
  description?: string;
  properties: Record<string, SchemaNode>;
  required: string[];
  additionalProperties?: unknown;
}

// The schema users read must describe CharLmConfig exactly: same fields, all required but the optional ones (which
// the sample, a char-lm config, leaves out), each documented.
const OPTIONAL_FIELDS: Record<string, string[]> = {
  '': ['lambda', 'segmentation', 'resetAfter', 'gateActivation', 'imported'],
  '/training': ['initWeightsSha256', 'trainFraction'],
};

test('the schema file matches the CharLmConfig fields and documents every field', () => {
  const schema = JSON.parse(readFileSync(packageFile(...MODEL_CONFIG_SCHEMA_PATH), 'utf8'));
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  const resolve = (node: SchemaNode): SchemaNode => (node.$ref ? schema.$defs[node.$ref.split('/').pop()!] : node);
  const check = (node: SchemaNode, sample: unknown, where: string) => {
    node = resolve(node);
    if (sample === null || typeof sample !== 'object' || Array.isArray(sample)) return;
    const keys = Object.keys(sample).sort();
    const optional = OPTIONAL_FIELDS[where] ?? [];
    assert.deepEqual(Object.keys(node.properties).sort(), [...keys, ...optional].sort(), `${where} properties`);
    assert.deepEqual([...node.required].sort(), keys, `${where} required`);
    assert.equal(node.additionalProperties, false, `${where} additionalProperties`);
    for (const key of [...keys, ...optional]) {
      assert.ok(node.properties[key].description, `${where}/${key} has a description`);
      check(node.properties[key], (sample as Record<string, unknown>)[key], `${where}/${key}`);
    }
  };
  check(schema.$defs.lm, validConfig(), '');
});
