import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hiddenSizeByRule } from '../../src/analysis/decoders.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import type { NamedTensor } from '../../src/io/tensor-dtypes.js';
import { assertOneLineError, FIXTURES, REPO_ROOT, runCli, tempDir } from './helpers.js';

// test/fixtures/states (scripts/states_fixture.py): a tiny PyTorch LSTM, the corpus it read, and its cell states
// dumped by the recipe of docs/formats.md.
const DIR = join(FIXTURES, 'states');
const STATES = join(DIR, 'states.safetensors');
const SMALL = ['--max-delta', '3', '--keep-probs', '1', '--max-epochs', '3', '--train-positions', 'all'];

interface Sig {
  model: { kind: string; weightsSha256: string; details: Record<string, unknown> };
  corpus: { sha256: string; symbols: unknown; segmentation: string };
  settings: { trainPositions: number; devPositions: number; evalPositions: number };
  layers: {
    stateSize: number;
    decoder: unknown;
    deltas: { accuracy: number; devAccuracy: number; keepProb: number; confusion: number[][]; count: number[] }[];
  }[];
}

const read = (path: string): Sig => JSON.parse(readFileSync(path, 'utf8'));

/** What two signatures must share when their decoders saw the same states (up to float rounding). */
function decoded(sig: Sig) {
  return {
    positions: sig.settings,
    symbols: sig.corpus.symbols,
    layers: sig.layers.map((l) => ({
      stateSize: l.stateSize,
      decoder: l.decoder,
      deltas: l.deltas.map((d) => ({
        accuracy: d.accuracy,
        devAccuracy: d.devAccuracy,
        keepProb: d.keepProb,
        confusion: d.confusion,
        count: d.count,
      })),
    })),
  };
}

async function signature(args: string[], out: string): Promise<Sig> {
  const r = await runCli(['signature', ...args, '--out', out, ...SMALL, '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  return read(out);
}

test('signature --states of states dumped from PyTorch equals the signature of the same model imported', async (t) => {
  const dir = tempDir(t);
  const model = join(dir, 'model');
  const imported = await runCli([
    'import',
    join(DIR, 'model.safetensors'),
    '--alphabet-file',
    join(DIR, 'alphabet.json'),
    '--out',
    model,
  ]);
  assert.equal(imported.code, 0, imported.stderr);
  const direct = await signature(['--model', model, '--corpus', join(DIR, 'corpus.txt')], join(dir, 'direct.json'));
  const stored = await signature(['--states', STATES], join(dir, 'stored.json'));
  assert.deepEqual(decoded(stored), decoded(direct));
  // The same text (the corpus's digest), another subject: the states file, by its sha256.
  assert.equal(stored.corpus.sha256, direct.corpus.sha256);
  assert.equal(stored.model.kind, 'external');
  assert.equal(stored.model.weightsSha256, createHash('sha256').update(readFileSync(STATES)).digest('hex'));
  assert.equal(stored.corpus.segmentation, 'sequence');
  // Not a trivially equal pair: the layers remember different amounts.
  assert.notDeepEqual(stored.layers[0]!.deltas[0]!.accuracy, stored.layers[0]!.deltas[2]!.accuracy);

  // Train states beyond --state-memory go to shard files, written out of order at their slots: the same again.
  const direct0 = await signature(
    ['--model', model, '--corpus', join(DIR, 'corpus.txt'), '--state-memory', '0', '--states-dir', dir],
    join(dir, 'direct0.json'),
  );
  const stored0 = await signature(
    ['--states', STATES, '--state-memory', '0', '--states-dir', dir],
    join(dir, 'stored0.json'),
  );
  assert.deepEqual(decoded(stored0), decoded(direct0));
});

test('signature with shard files removes the states folder a killed run left in --states-dir, and says so', async (t) => {
  const dir = tempDir(t);
  const stale = join(dir, 'memsig-states-killed');
  mkdirSync(stale);
  const gone = spawnSync(process.execPath, ['-e', '']).pid!;
  const pidNamespace = readlinkSync('/proc/self/ns/pid');
  writeFileSync(join(stale, 'owner.json'), JSON.stringify({ pid: gone, host: hostname(), pidNamespace }));
  writeFileSync(join(stale, 'layer0-shard-0000.f32'), new Uint8Array(1024));
  const out = join(dir, 'sig.json');
  const r = await runCli([
    'signature',
    ...['--states', STATES, '--state-memory', '0', '--states-dir', dir, '--out', out, ...SMALL, '--threads', '1'],
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /removed 1 folder of train states left by killed runs \(0\.0 GB\): .*memsig-states-killed/);
  assert.equal(existsSync(stale), false);
  // Its own folder is gone too once the signature is written.
  assert.deepEqual(readdirSync(dir).sort(), ['sig.json']);
});

/** A .npy file of a tensor (version 1 header, little-endian). */
function npy(t: NamedTensor): Buffer {
  const descr = { F32: '<f4', F16: '<f2', I32: '<i4', I64: '<i8' }[t.dtype as 'F32'];
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const head = Buffer.alloc(10);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

test('signature --states reads a folder of .npy files (alphabet in metadata.json) as it reads the safetensors file', async (t) => {
  const dir = tempDir(t);
  const file = parseSafetensors(readFileSync(STATES), STATES);
  const folder = join(dir, 'states');
  mkdirSync(folder);
  for (const [name, tensor] of file.tensors) writeFileSync(join(folder, `${name}.npy`), npy(tensor));
  writeFileSync(join(folder, 'metadata.json'), JSON.stringify({ alphabet: JSON.parse(file.metadata.alphabet!) }));
  const fromFile = await signature(['--states', STATES, '--decoder-hidden', '24'], join(dir, 'a.json'));
  const fromFolder = await signature(['--states', folder, '--decoder-hidden', '24'], join(dir, 'b.json'));
  assert.deepEqual(fromFolder.layers, fromFile.layers);
  assert.equal(fromFolder.model.details.format, 'npy');
  assert.match(fromFolder.model.weightsSha256, /^[0-9a-f]{64}$/);
  assert.notEqual(fromFolder.model.weightsSha256, fromFile.model.weightsSha256);
});

/** The fixture's arrays with some replaced, written to `path` (metadata: the fixture's, or as given). */
function variant(path: string, replace: Record<string, NamedTensor | null>, metadata?: Record<string, string>): string {
  const file = parseSafetensors(readFileSync(STATES), STATES);
  const tensors = new Map(file.tensors);
  for (const [name, t] of Object.entries(replace)) {
    if (t === null) tensors.delete(name);
    else tensors.set(name, t);
  }
  writeFileSync(path, serializeSafetensors(tensors, metadata ?? file.metadata));
  return path;
}

test('signature --states: a bad file, a missing alphabet or a flag that does not go with it is one line', async (t) => {
  const dir = tempDir(t);
  let runs = 0;
  const run = (args: string[]) =>
    runCli(['signature', ...args, '--out', join(dir, `sig${++runs}.json`), ...SMALL, '--threads', '1']);
  const file = parseSafetensors(readFileSync(STATES), STATES);
  const symbols = file.tensors.get('symbols')!.data as Int32Array;
  const segments = file.tensors.get('segments')!.data as Int32Array;
  const N = symbols.length;

  assertOneLineError(await run(['--states', STATES, '--model', DIR]), /--model does not go with --states/, 2);
  assertOneLineError(await run(['--states', STATES, '--corpus', 'x.txt']), /--corpus does not go with --states/, 2);
  assertOneLineError(await run(['--states', STATES, '--segment', 'line']), /--segment line: with --states/, 2);
  assertOneLineError(await run(['--states', join(dir, 'nope.safetensors')]), /nope\.safetensors/, 1);
  assertOneLineError(await run(['--states', join(DIR, 'corpus.txt')]), /not a safetensors file/, 1);
  assertOneLineError(await run(['--states', STATES, '--state', 'h']), /no h states/, 1);
  assertOneLineError(await run(['--states', STATES, '--layers', '3']), /has 2 layers/, 1);

  const noAlphabet = variant(join(dir, 'a.safetensors'), {}, {});
  assertOneLineError(await run(['--states', noAlphabet]), /no alphabet in its metadata.*--alphabet-file/, 1);
  // ... which --alphabet-file then gives.
  const ok = await run(['--states', noAlphabet, '--alphabet-file', join(DIR, 'alphabet.json')]);
  assert.equal(ok.code, 0, ok.stderr);
  // Without per-layer parameter counts, the decoders are sized as for an LSTM layer of 16 units reading 16 inputs.
  const decoder = read(join(dir, `sig${runs}.json`)).layers[0]!.decoder as { hidden: number[]; rule: string };
  assert.deepEqual(decoder.hidden, [hiddenSizeByRule(16, 30, 8 * 16 * 16 + 8 * 16)]);
  assert.equal(decoder.rule, 'paper-rule');

  const bigSymbol = Int32Array.from(symbols);
  bigSymbol[7] = 30;
  assertOneLineError(
    await run([
      '--states',
      variant(join(dir, 'b.safetensors'), { symbols: { dtype: 'I32', shape: [N], data: bigSymbol } }),
    ]),
    /symbol 30 at position 7 is outside the alphabet \(0 … 29\)/,
    1,
  );
  const back = Int32Array.from(segments);
  back[N - 1] = 0;
  assertOneLineError(
    await run([
      '--states',
      variant(join(dir, 'c.safetensors'), { segments: { dtype: 'I32', shape: [N], data: back } }),
    ]),
    new RegExp(`segment 0 comes back at position ${N - 1}`),
    1,
  );
  assertOneLineError(
    await run(['--states', variant(join(dir, 'd.safetensors'), { 'c.0': null })]),
    /layers must be numbered 0, 1, … without gaps \(c\.0 is missing\)/,
    1,
  );
  const short = { dtype: 'F32', shape: [N - 1, 16], data: new Float32Array((N - 1) * 16) } as NamedTensor;
  assertOneLineError(
    await run(['--states', variant(join(dir, 'e.safetensors'), { 'c.1': short })]),
    new RegExp(`tensor 'c\\.1': has ${N - 1} positions; 'symbols' has ${N}`),
    1,
  );
});

test('signature --states --segment none splits one stream into contiguous blocks', async (t) => {
  const dir = tempDir(t);
  const file = parseSafetensors(readFileSync(STATES), STATES);
  const N = (file.tensors.get('symbols')!.data as Int32Array).length;
  const stream = variant(join(dir, 's.safetensors'), {
    segments: { dtype: 'I64', shape: [N], data: new BigInt64Array(N) },
  });
  const sig = await signature(['--states', stream], join(dir, 'sig.json'));
  assert.equal(sig.corpus.segmentation, 'none');
  const symbols = sig.corpus.symbols as { train: number; dev: number; eval: number };
  const dev = Math.round(N * 0.05);
  assert.deepEqual(symbols, { train: N - 2 * dev, dev, eval: dev });
  // The file's segments, split into blocks when asked.
  const blocks = await signature(['--states', STATES, '--segment', 'none'], join(dir, 'blocks.json'));
  assert.deepEqual(blocks.corpus.symbols, symbols);
});

test('the recipe of docs/formats.md is the code scripts/states_fixture.py ran to make the fixture', () => {
  const recipe = (text: string, end: string) =>
    text.slice(text.indexOf('@torch.no_grad()\ndef lstm_states'), text.indexOf(end)).trimEnd();
  const doc = recipe(readFileSync(join(REPO_ROOT, 'docs', 'formats.md'), 'utf8'), '\n\n# e.g. a character LSTM');
  const script = recipe(
    readFileSync(join(REPO_ROOT, 'scripts', 'states_fixture.py'), 'utf8'),
    '# ---- end of the recipe',
  );
  assert.ok(doc.includes('def dump_states('));
  assert.equal(doc, script);
});
