import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { readShardFile, shardFileStore } from '../../src/io/state-shard-files.js';

test('shard files keep the rows appended to each shard, in order, and the store removes its folder', () => {
  const store = shardFileStore(tmpdir());
  const D = 3;
  const writer = store.open(0, 2);
  const rows = Array.from({ length: 700_000 }, (_, i) => Float32Array.from({ length: D }, (_, j) => i * 10 + j));
  // Enough rows that each shard's buffer is flushed several times.
  for (const [i, r] of rows.entries()) writer.append(i % 2, r);
  writer.close();
  const folder = writer.files[0]!.replace(/\/[^/]+$/, '');
  assert.deepEqual(readdirSync(folder).sort(), ['layer0-shard-0000.f32', 'layer0-shard-0001.f32']);
  const odd = readShardFile(writer.files[1]!, new Float32Array(350_000 * D));
  assert.deepEqual(Array.from(odd.subarray(0, 2 * D)), [10, 11, 12, 30, 31, 32]);
  assert.deepEqual(Array.from(odd.subarray(-D)), [6_999_990, 6_999_991, 6_999_992]);
  assert.throws(() => readShardFile(writer.files[1]!, new Float32Array(350_001 * D)), /shorter than expected/);
  store.dispose();
  assert.equal(existsSync(folder), false);
});
