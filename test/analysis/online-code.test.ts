import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DecoderData, defaultDecoderConfig, fitDecoders } from '../../src/analysis/decoders.js';
import {
  blockEnds,
  combineSeedCodes,
  ONLINE_CODE_BLOCKS,
  onlineCodeLength,
  shuffledTrainRows,
} from '../../src/analysis/online-code.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';

const V = 4;

/** States one-hot of the label plus small noise (perfectly decodable), or labels drawn apart from the state. */
function labelData(rng: Rng, rows: { train: number; dev: number; eval: number }, decodable: boolean): DecoderData {
  const D = V;
  const part = (n: number) => {
    const x = new Float32Array(n * D);
    const labels = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const s = rng.int(V);
      labels[r] = decodable ? s : rng.int(V);
      for (let f = 0; f < D; f++) x[r * D + f] = 0.1 * rng.normal();
      x[r * D + s]! += 1;
    }
    return { x, labels: [labels] };
  };
  const [train, dev, ev] = [part(rows.train), part(rows.dev), part(rows.eval)];
  return {
    train: train.x,
    dev: dev.x,
    eval: ev.x,
    nTrain: rows.train,
    nDev: rows.dev,
    nEval: rows.eval,
    D,
    trainLabels: train.labels,
    devLabels: dev.labels,
    evalLabels: ev.labels,
    V,
  };
}

const config = {
  ...defaultDecoderConfig(),
  hidden: [8],
  keepProbs: [1],
  maxEpochs: 8,
  patience: 1,
  batch: 32,
  lr: 2e-2,
  groups: 1,
  roundPositions: 0,
};
const train = async (data: DecoderData, c: typeof config) => fitDecoders(tsGemm, data, c);

describe('online code length', () => {
  it('blockEnds cuts the rows at the fractions, the first block at least one row, the last all of them', () => {
    assert.deepEqual(blockEnds(10_000), [10, 20, 40, 80, 160, 320, 625, 1250, 2500, 5000, 10_000]);
    assert.deepEqual(blockEnds(100), [1, 2, 3, 4, 5, 6, 7, 13, 25, 50, 100]);
    assert.throws(() => blockEnds(100, [0.5, 0.9]), /rise to 1/);
    assert.equal(ONLINE_CODE_BLOCKS.length, 11);
  });

  it('a perfectly decodable label costs next to nothing per position; an undecodable one the prior', async () => {
    const rows = { train: 8000, dev: 400, eval: 10 };
    const [perfect] = await onlineCodeLength(train, labelData(new Rng(1), rows, true), config, {});
    assert.ok(perfect!.bitsPerPosition < 0.06, `bits per position ${perfect!.bitsPerPosition}`);
    assert.ok(perfect!.compression > 30, `compression ${perfect!.compression}`);
    assert.equal(perfect!.blockBits.length, 11);
    // The first block is the uniform code: 8 positions at 2 bits.
    assert.equal(perfect!.blockBits[0], 8 * 2);
    assert.equal(perfect!.ends[perfect!.ends.length - 1], 8000);
    const sum = perfect!.blockBits.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - perfect!.totalBits) < 1e-9 && Math.abs(sum / 8000 - perfect!.bitsPerPosition) < 1e-12);

    const [noise] = await onlineCodeLength(train, labelData(new Rng(2), rows, false), config, {});
    assert.ok(noise!.bitsPerPosition > 1.9, `bits per position ${noise!.bitsPerPosition}`);
    assert.ok(noise!.priorCompression < 1.05 && noise!.priorCompression > 0.8, `${noise!.priorCompression}`);
  });

  it('shuffledTrainRows reads rows through a physical map and from shard files alike', () => {
    const D = 2;
    const x = Float32Array.from([0, 0, 1, 1, 2, 2, 3, 3]); // physical rows 0..3
    const labels = [Int32Array.from([0, 1, -1, 3])]; // shard order; row 2 has no label
    const physical = Int32Array.from([3, 2, 1, 0]);
    const data: DecoderData = {
      train: x,
      dev: new Float32Array(0),
      eval: new Float32Array(0),
      nTrain: 4,
      nDev: 0,
      nEval: 0,
      D,
      trainLabels: labels,
      devLabels: [new Int32Array(0)],
      evalLabels: [new Int32Array(0)],
      V: 4,
      shards: { offsets: Int32Array.from([0, 2, 4]), physical, files: null, stats: null },
    };
    const a = shuffledTrainRows(data, new Rng(4));
    assert.equal(a.n, 3);
    // Each row's state is the one its label belongs to: shard-order row r holds physical row 3 − r.
    for (let i = 0; i < a.n; i++) assert.equal(a.x[i * D], 3 - [0, 1, 3][[0, 1, 3].indexOf(a.labels[0]![i]!)]!);
    const files = {
      ...data,
      train: new Float32Array(0),
      shards: { ...data.shards!, physical: null, files: ['s0', 's1'] },
    };
    const shardRows: Record<string, number[]> = { s0: [3, 3, 2, 2], s1: [1, 1, 0, 0] };
    const b = shuffledTrainRows(files, new Rng(4), (path, into) => {
      into.set(shardRows[path]!);
      return into;
    });
    assert.deepEqual([...b.x], [...a.x]);
    assert.deepEqual([...b.labels[0]!], [...a.labels[0]!]);
  });

  it('combineSeedCodes averages the seeds and keeps each one’s bits per position', () => {
    const code = (bits: number) => ({
      ends: [1, 10],
      blockBits: [2, bits * 10 - 2],
      totalBits: bits * 10,
      bitsPerPosition: bits,
      uniformBitsPerPosition: 2,
      priorBitsPerPosition: 1.5,
      compression: 2 / bits,
      priorCompression: 1.5 / bits,
    });
    const c = combineSeedCodes([code(0.5), code(1)]);
    assert.equal(c.bitsPerPosition, 0.75);
    assert.deepEqual(c.seedBitsPerPosition, [0.5, 1]);
    assert.equal(c.compression, 2 / 0.75);
    assert.deepEqual(combineSeedCodes([code(0.5)]), code(0.5));
  });
});
