import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { probedMemorySignature } from '../../src/analysis/probed-signature.js';
import { memorySignature } from '../../src/analysis/signature.js';
import { tsGemm } from '../../src/core/gemm.js';
import { readSignature, writeSignature } from '../../src/io/signature-file.js';
import { noisyHistoryModel, seedCorpus, seedOptions } from './seed-helpers.js';

const gemm = tsGemm;

test('probedMemorySignature() without extras is the signature itself', async () => {
  const corpus = seedCorpus(1);
  const o = seedOptions();
  const a = await memorySignature(noisyHistoryModel(), corpus, o, { gemm });
  const b = await probedMemorySignature(
    noisyHistoryModel(),
    corpus,
    o,
    { gemm },
    1,
    {},
    {
      capacitySweep: false,
      onlineCode: false,
    },
  );
  assert.deepEqual(b, a);
});

test('probedMemorySignature(): the capacity sweep and the online code beside unchanged decoders; the file reads back', async () => {
  const corpus = seedCorpus(1);
  const o = seedOptions();
  const plain = await memorySignature(noisyHistoryModel(), corpus, o, { gemm });
  const steps: string[] = [];
  const done: number[] = [];
  const sig = await probedMemorySignature(
    noisyHistoryModel(),
    corpus,
    o,
    { gemm, onProgress: (p) => p.phase === 'layer-done' && done.push(p.layer.capacity?.length ?? -1) },
    2,
    {},
    { capacitySweep: true, onlineCode: true, onStep: (l) => steps.push(l) },
  );
  assert.deepEqual(done, [4], 'the layer-done event carries the sweep');
  assert.deepEqual(sig.settings.capacityFactors, [0, 0.25, 1, 4]);
  assert.equal(sig.settings.onlineCodeBlocks?.length, 11);
  assert.equal(sig.settings.decoderSeeds, 2);
  const layer = sig.layers[0]!;
  const probes = layer.capacity!;
  assert.deepEqual(
    probes.map((p) => [p.factor, p.hidden]),
    [
      [0, []],
      [0.25, [3]],
      [1, [12]],
      [4, [48]],
    ],
  );
  // The 1× probe is the layer's decoder with the first seed: the single-seed signature's decoder.
  for (const [i, d] of plain.layers[0]!.deltas.entries()) assert.equal(probes[2]!.deltas[i]!.accuracy, d.accuracy);
  // The state holds the last two symbols one-hot (under noise): every probe, linear or 3 units wide, reads δ = 1 well
  // above chance (0.4) from 1,200 positions.
  for (const p of probes) assert.ok(p.deltas[0]!.accuracy > 0.55, `factor ${p.factor}: ${p.deltas[0]!.accuracy}`);
  assert.ok(probes[0]!.deltas[0]!.front);
  for (const d of layer.deltas) {
    const code = d.onlineCode!;
    assert.equal(code.seedBitsPerPosition?.length, 2, 'one online code per decoder seed');
    assert.ok(code.bitsPerPosition > 0 && code.bitsPerPosition <= code.uniformBitsPerPosition * 1.1);
  }
  // What is remembered codes in fewer bits than what is not.
  const bits = layer.deltas.map((d) => d.onlineCode!.bitsPerPosition);
  assert.ok(bits[0]! < bits[2]! - 0.3 && bits[1]! < bits[2]!, `bits per position ${bits}`);
  assert.ok(layer.deltas[2]!.onlineCode!.priorCompression < 1.1);
  assert.equal(steps.filter((s) => s.startsWith('capacity sweep')).length, 3, 'the sweep trains once, not per seed');
  assert.equal(steps.filter((s) => s.startsWith('online code')).length, 2 * 10);

  const dir = mkdtempSync(join(tmpdir(), 'memsig-probed-'));
  try {
    const path = join(dir, 'sig.json');
    await writeSignature(path, sig);
    const back = await readSignature(path);
    assert.deepEqual(back.layers[0]!.capacity, probes);
    assert.equal(back.layers[0]!.deltas[0]!.onlineCode!.totalBits, layer.deltas[0]!.onlineCode!.totalBits);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
