import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { assertOneLineError, FIXTURES, runCli, tempDir } from './helpers.js';

const LSTM = join(FIXTURES, 'signatures', 'lstm-2layer.json');
const GRU = join(FIXTURES, 'signatures', 'gru-1layer.json');

function pngSize(path: string): { width: number; height: number } {
  const png = PNG.sync.read(readFileSync(path));
  return { width: png.width, height: png.height };
}

test('render writes an SVG or a PNG, as the extension says', async (t) => {
  const dir = tempDir(t);
  const svg = join(dir, 'sig.svg');
  const r = await runCli(['render', LSTM, '--out', svg, '--layer', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*sig\.svg \(\d+ × \d+ px\)\n$/);
  const text = readFileSync(svg, 'utf8');
  assert.match(text, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(text, /layer 2/);
  const { width, height } = /<svg[^>]* width="(?<width>\d+)" height="(?<height>\d+)"/.exec(text)!.groups!;

  const png = join(dir, 'sig.PNG');
  const p = await runCli(['render', LSTM, '--out', png, '--layer', '2', '--scale', '2']);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /2× scale/);
  assert.deepEqual(pngSize(png), { width: 2 * Number(width), height: 2 * Number(height) });
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith('.tmp')),
    [],
    'no temporary files left',
  );
});

test('render draws every kind, metric and palette', async (t) => {
  const dir = tempDir(t);
  const cases = [
    ['--kind', 'forward'],
    ['--kind', 'marginal', '--metric', 'bits'],
    ['--kind', 'confusion', '--delta', '3', '--layer', '1'],
    ['--palette', 'green', '--metric', 'bits', '--label', 'my model'],
  ];
  for (const [i, flags] of cases.entries()) {
    const out = join(dir, `fig${i}.svg`);
    const r = await runCli(['render', GRU, '--out', out, ...flags]);
    assert.equal(r.code, 0, `${flags.join(' ')}: ${r.stderr}`);
    assert.ok(readFileSync(out, 'utf8').includes('</svg>'));
  }
  assert.match(readFileSync(join(dir, 'fig3.svg'), 'utf8'), /my model · layer 1/);
});

test('render: bad input is one line and a non-zero exit', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'x.svg');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ format: 'memsig-signature', version: 1 }));
  const cases: [string[], RegExp, number][] = [
    [['render', LSTM, '--out', join(dir, 'x.jpg')], /--out must end in \.svg or \.png \(got ".*x\.jpg"\)/, 2],
    [['render', LSTM], /missing --out/, 2],
    [['render', join(dir, 'missing.json'), '--out', out], /missing\.json: cannot read: no such file or directory/, 1],
    [['render', bad, '--out', out], /bad\.json: missing field/, 1],
    [
      ['render', LSTM, '--out', out, '--layer', '3'],
      /lstm-2layer\.json: no layer 3 \(the signature has layers 1 and 2\)/,
      1,
    ],
    [['render', LSTM, '--out', out, '--layer', 'two'], /--layer must be a whole number/, 2],
    [['render', LSTM, '--out', out, '--kind', 'pie'], /--kind must be signature, forward, marginal or confusion/, 2],
    [['render', LSTM, '--out', out, '--kind', 'confusion'], /--kind confusion needs --delta/, 2],
    [['render', LSTM, '--out', out, '--kind', 'confusion', '--delta', '7'], /no decoder for δ = 7/, 1],
    [['render', LSTM, '--out', out, '--delta', '2'], /--delta is only for --kind confusion/, 2],
    [['render', LSTM, '--out', join(dir, 'x.png'), '--scale', '0'], /--scale must be a number > 0 and ≤ 10/, 2],
    [
      ['render', LSTM, '--out', join(dir, 'no', 'such', 'dir.svg')],
      /dir\.svg: cannot write: no such file or directory/,
      1,
    ],
  ];
  for (const [argv, pattern, code] of cases) {
    assertOneLineError(await runCli(argv), pattern, code);
  }
  assert.equal(existsSync(out), false, 'nothing written');
});

test('diff writes the difference figure; unalignable or missing layers are one line', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'diff.png');
  const r = await runCli(['diff', LSTM, GRU, '--out', out, '--layer-a', '2', '--labels', 'LSTM,GRU']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(pngSize(out).width > 1000);
  const summary =
    /^(\d+) of (\d+) cells \(δ, symbol\) differ beyond chance: A recalls better in (\d+), B in (\d+) /m.exec(r.stdout);
  assert.ok(summary, r.stdout);
  const [, found, tested, aBetter, bBetter] = summary.map(Number);
  assert.equal(found, aBetter! + bBetter!);
  assert.ok(found! > 0 && found! <= tested!);
  const svg = join(dir, 'diff.svg');
  assert.equal((await runCli(['diff', LSTM, GRU, '--out', svg, '--metric', 'bits', '--limit', '1'])).code, 0);
  assert.match(readFileSync(svg, 'utf8'), /A: 2-layer LSTM, 48 units, layer 1 − B: 1-layer GRU, 48 units, layer 1/);

  assertOneLineError(
    await runCli(['diff', LSTM, GRU, '--out', svg, '--layer-b', '2']),
    /gru-1layer\.json: no layer 2/,
    1,
  );
  assertOneLineError(await runCli(['diff', LSTM, '--out', svg]), /missing required argument 'b'/, 2);
  assertOneLineError(await runCli(['diff', LSTM, GRU, '--out', svg, '--labels', 'one']), /--labels needs 2/, 2);
  // A signature over another alphabet entirely (Greek letters for a–z and the rest).
  const sig = JSON.parse(readFileSync(GRU, 'utf8'));
  const other = [...'αβγδεζηθικλμνξοπρστυφχψωϊϋόύώϐ'];
  const map = new Map<string, string>(sig.alphabet.map((s: string, i: number) => [s, other[i]!]));
  sig.alphabet = sig.alphabet.map((s: string) => map.get(s));
  for (const layer of sig.layers) for (const d of layer.deltas) d.chanceSymbol = map.get(d.chanceSymbol);
  const greek = join(dir, 'greek.json');
  writeFileSync(greek, JSON.stringify(sig));
  assertOneLineError(
    await runCli(['diff', LSTM, greek, '--out', svg]),
    /greek\.json: the two signatures share no symbol/,
    1,
  );
});

test('compare writes panels or marginal lines of several signatures', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'cmp.svg');
  const r = await runCli(['compare', LSTM, LSTM, GRU, '--layer', '1,2,1', '--out', out, '--columns', '2']);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /a\. 2-layer LSTM, 48 units · layer 1/);
  assert.match(text, /b\. 2-layer LSTM, 48 units · layer 2/);
  assert.match(text, /c\. 1-layer GRU, 48 units · layer 1/);
  // Two files with the same model label get their file names added.
  const copy = join(dir, 'copy.json');
  copyFileSync(LSTM, copy);
  assert.equal((await runCli(['compare', LSTM, copy, '--out', out])).code, 0);
  assert.match(
    readFileSync(out, 'utf8'),
    /a\. 2-layer LSTM, 48 units \(lstm-2layer\.json\) · layer 1.*b\. 2-layer LSTM, 48 units \(copy\.json\)/s,
  );
  const png = join(dir, 'marginal.png');
  const m = await runCli(['compare', LSTM, GRU, '--kind', 'marginal', '--labels', 'LSTM,GRU', '--out', png]);
  assert.equal(m.code, 0, m.stderr);
  assert.ok(pngSize(png).width > 500);

  assertOneLineError(
    await runCli(['compare', LSTM, GRU, '--layer', '2', '--out', out]),
    /gru-1layer\.json: no layer 2/,
    1,
  );
  assertOneLineError(
    await runCli(['compare', LSTM, GRU, '--layer', '1,2,1', '--out', out]),
    /--layer needs one layer, or one per signature \(2\)/,
    2,
  );
  assertOneLineError(
    await runCli(['compare', LSTM, '--out', out, '--kind', 'confusion']),
    /--kind must be signature or marginal/,
    2,
  );
});

test('help for render, diff, compare and report', async () => {
  for (const command of ['render', 'diff', 'compare', 'report']) {
    const r = await runCli([command, '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Usage: memsig ${command} \\[options\\] <`));
    assert.match(r.stdout, /--out <file>/);
  }
  const top = await runCli(['--help']);
  for (const command of ['render', 'diff', 'compare', 'report'])
    assert.match(top.stdout, new RegExp(`\\n  ${command} `));
});
