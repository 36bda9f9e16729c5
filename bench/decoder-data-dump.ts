// `node dist/bench/decoder-data-dump.js --dump-dir DIR --model DIR --corpus PATH [signature flags…]`: reads one
// layer's states at the signature's positions exactly as `memsig signature` would, and writes what its decoders would
// train on — raw states and labels — as flat files for an offline experiment with another framework
// (scripts/multitask_decoders.py), then stops before training anything. Use --state-memory large enough that the
// train states stay in memory (e.g. 6000 for 1,000,000 positions of a 320-unit layer).
//
// DIR/meta.json {nTrain, nDev, nEval, D, V, deltas}; DIR/{train,dev,eval}.f32 (N, D) float32 row-major;
// DIR/{train,dev,eval}-labels.i32 (deltas, N) int32: the symbol at t−δ per row, −1 where it falls outside the segment.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';

const argv = process.argv.slice(2);
const at = argv.indexOf('--dump-dir');
if (at < 0 || !argv[at + 1]) {
  console.error('decoder-data-dump: --dump-dir DIR is required');
  process.exit(2);
}
const dir = argv.splice(at, 2)[1]!;
mkdirSync(dir, { recursive: true });
const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

const code = await main(['signature', ...argv, '--out', join(dir, 'unused-signature.json')], undefined, {
  decoderRunner: async (data) => {
    if (data.shards?.files) {
      console.error('decoder-data-dump: the train states went to shard files: raise --state-memory');
      process.exit(2);
    }
    const { nTrain, nDev, nEval, D, V } = data;
    const deltas = data.trainLabels.length;
    writeFileSync(join(dir, 'meta.json'), `${JSON.stringify({ nTrain, nDev, nEval, D, V, deltas })}\n`);
    const parts = [
      ['train', data.train, nTrain, data.trainLabels],
      ['dev', data.dev, nDev, data.devLabels],
      ['eval', data.eval, nEval, data.evalLabels],
    ] as const;
    // Labels are in shard order; with `physical`, train row r of that order is row physical[r] of the states.
    const physical = data.shards?.physical ?? null;
    for (const [name, states, n, labels] of parts) {
      let rows = states.subarray(0, n * D);
      if (name === 'train' && physical) {
        rows = new Float32Array(n * D);
        for (let r = 0; r < n; r++) rows.set(states.subarray(physical[r]! * D, (physical[r]! + 1) * D), r * D);
      }
      writeFileSync(join(dir, `${name}.f32`), bytes(rows));
      const all = new Int32Array(deltas * n);
      for (const [i, l] of labels.entries()) all.set(l.subarray(0, n), i * n);
      writeFileSync(join(dir, `${name}-labels.i32`), bytes(all));
    }
    console.log(`decoder-data-dump: ${nTrain} train, ${nDev} dev, ${nEval} eval rows of ${D} values → ${dir}`);
    // Done: nothing is to be trained (the run's own clean-up is not needed for a data dump).
    process.exit(0);
  },
});
process.exitCode = code;
