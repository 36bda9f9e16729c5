import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { Alphabet } from '../../src/data/alphabet.js';
import {
  defaultCorpusOptions,
  type EncodedPartition,
  encodeText,
  encodeTextSegments,
  keepLastChars,
  keepLastDocumentChars,
  prepareCorpus,
  segmentCount,
  segmentIds,
} from '../../src/data/corpus.js';
import { defaultNormalization } from '../../src/data/normalize.js';
import { segmentText } from '../../src/data/segments.js';
import { splitSegments } from '../../src/data/split.js';

const tmp = mkdtempSync(join(tmpdir(), 'memsig-corpus-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// 200 distinct lines, with a blank line and a punctuation-only line that normalization drops.
const lines = Array.from({ length: 200 }, (_, i) => `Line ${i}: word${String.fromCharCode(97 + (i % 26))} text.`);
const rawText = `${lines.slice(0, 100).join('\n')}\n\n!!!\n${lines.slice(100).join('\n')}\n`;
const corpusPath = join(tmp, 'corpus.txt');
writeFileSync(corpusPath, rawText);

function decodeAll(p: EncodedPartition, alphabet: Alphabet): string[] {
  return Array.from({ length: segmentCount(p) }, (_, i) => alphabet.decode(segmentIds(p, i)));
}

test('defaultCorpusOptions', () => {
  assert.deepEqual(defaultCorpusOptions(), {
    normalization: defaultNormalization(),
    segmentation: 'line',
    split: { train: 0.9, dev: 0.05, eval: 0.05, seed: 1 },
    maxChars: null,
    rawAlphabet: false,
  });
});

test('prepareCorpus: segments, split, encoding and record agree with the pieces', async () => {
  const prepared = await prepareCorpus(corpusPath, { split: { seed: 5 } });
  const cfg = defaultNormalization();
  const segments = segmentText(rawText, 'line', cfg);
  assert.equal(segments.length, 200);
  const expected = splitSegments(segments, { train: 0.9, dev: 0.05, eval: 0.05 }, 5);
  const { alphabet, partitions, record } = prepared;
  assert.deepEqual(prepared.normalization, cfg);
  assert.equal(alphabet.size, 30);
  assert.deepEqual(decodeAll(partitions.train, alphabet), expected.train);
  assert.deepEqual(decodeAll(partitions.dev, alphabet), expected.dev);
  assert.deepEqual(decodeAll(partitions.eval, alphabet), expected.eval);
  for (const p of [partitions.train, partitions.dev, partitions.eval]) {
    assert.equal(p.starts[0], 0);
    assert.equal(p.starts[p.starts.length - 1], p.ids.length);
  }
  assert.deepEqual(record, {
    source: basename(corpusPath),
    sha256: createHash('sha256').update(segments.join('\n')).digest('hex'),
    segmentation: 'line',
    split: { train: 0.9, dev: 0.05, eval: 0.05, seed: 5 },
    symbols: { train: partitions.train.ids.length, dev: partitions.dev.ids.length, eval: partitions.eval.ids.length },
    segments: { train: 180, dev: 10, eval: 10 },
    maxChars: null,
  });
  // The hash describes the text, not the split.
  const other = await prepareCorpus(corpusPath, { split: { seed: 6 } });
  assert.equal(other.record.sha256, record.sha256);
  assert.notDeepEqual(other.partitions.dev.ids, partitions.dev.ids);
});

test('keepLastChars cuts at a line start, or a word when the tail has no line break', () => {
  assert.equal(keepLastChars('abc\ndef\nghi\n', 6), 'ghi\n');
  assert.equal(keepLastChars('abc\ndef\nghi\n', 8), 'def\nghi\n');
  assert.equal(keepLastChars('abc\ndef\nghi\n', 100), 'abc\ndef\nghi\n');
  assert.equal(keepLastChars('one long line of words', 9), 'of words');
});

test('maxChars keeps the most recent text', async () => {
  const prepared = await prepareCorpus(corpusPath, { maxChars: 2500, split: { train: 0.8, dev: 0.1, eval: 0.1 } });
  const { record, partitions, alphabet } = prepared;
  assert.equal(record.maxChars, 2500);
  const all = [partitions.train, partitions.dev, partitions.eval].flatMap((p) => decodeAll(p, alphabet));
  const total = record.segments.train + record.segments.dev + record.segments.eval;
  assert.ok(total > 50 && total < 200, `${total} segments`);
  assert.ok(all.includes('line ### worde text.'));
  assert.ok(!all.includes('line # worda text.'));
});

test('encodeText normalizes and encodes one sequence; encodeTextSegments keeps segments', () => {
  const cfg = defaultNormalization();
  const alphabet = new Alphabet(cfg.alphabet);
  assert.equal(alphabet.decode(encodeText('Hello,\nWorld 42!', alphabet, cfg)), 'hello world ##');
  const p = encodeTextSegments('Hello,\nWorld 42!', alphabet, cfg);
  assert.deepEqual(decodeAll(p, alphabet), ['hello', 'world ##']);
  assert.deepEqual([...p.starts], [0, 5, 13]);
});

test('bad options and tiny corpora are UserErrors', async () => {
  const tiny = join(tmp, 'tiny.txt');
  writeFileSync(tiny, 'one\ntwo\nthree\n');
  await assert.rejects(
    prepareCorpus(tiny),
    (err: unknown) => err instanceof UserError && err.message.includes('too small') && err.message.includes(tiny),
  );
  const punct = join(tmp, 'punct.txt');
  writeFileSync(punct, '!!!\n???\n');
  await assert.rejects(prepareCorpus(punct), (err: unknown) => err instanceof UserError && err.message.includes(punct));
  await assert.rejects(prepareCorpus(corpusPath, { maxChars: 0 }), UserError);
  await assert.rejects(prepareCorpus(corpusPath, { split: { seed: -1 } }), UserError);
  await assert.rejects(prepareCorpus(corpusPath, { segmentation: 'word' as 'line' }), UserError);
  await assert.rejects(
    prepareCorpus(corpusPath, { normalization: { ...defaultNormalization(), digitSymbol: '0' } }),
    /normalization: digitSymbol/,
  );
});

test('prepareCorpus with segmentation none: each file of a folder is one stream, split into contiguous blocks', async () => {
  const folder = join(tmp, 'streams');
  mkdirSync(folder);
  const a = 'Alpha line one.\nAlpha line two.\n'.repeat(20);
  const b = 'Beta, the second file.\n'.repeat(20);
  writeFileSync(join(folder, 'a.txt'), a);
  writeFileSync(join(folder, 'b.txt'), b);
  const normalization = { ...defaultNormalization(), alphabet: [...defaultNormalization().alphabet, '\n', ','] };
  normalization.collapseWhitespace = false;
  const c = await prepareCorpus(folder, { segmentation: 'none', normalization });
  const all = [a, b].map((t) => t.toLowerCase());
  const total = all[0].length + all[1].length;
  const dev = Math.round(total * 0.05);
  assert.equal(c.record.segmentation, 'none');
  // Train holds all of a and the start of b; dev and eval are the rest of b, in order.
  assert.deepEqual(decodeAll(c.partitions.train, c.alphabet), [
    all[0],
    all[1].slice(0, total - 2 * dev - all[0].length),
  ]);
  assert.equal(
    [...decodeAll(c.partitions.dev, c.alphabet), ...decodeAll(c.partitions.eval, c.alphabet)].join(''),
    all[1].slice(all[1].length - 2 * dev),
  );
  assert.deepEqual(c.record.segments, { train: 2, dev: 1, eval: 1 });
});

test('keepLastDocumentChars keeps whole documents from the end and cuts the first kept one at a line start', () => {
  assert.deepEqual(keepLastDocumentChars(['one\ntwo', 'three\nfour', 'five'], 14), ['four', 'five']);
  assert.deepEqual(keepLastDocumentChars(['one\ntwo', 'three\nfour', 'five'], 100), [
    'one\ntwo',
    'three\nfour',
    'five',
  ]);
});
