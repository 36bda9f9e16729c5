import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { expectedParamShapes, loadModelDir, type ParamTensor, saveModelDir } from '../../src/io/model-dir.js';
import { type NamedTensor, readSafetensors, toF16Bits, writeSafetensors } from '../../src/io/safetensors.js';
import type { CharLmConfig } from '../../src/models/config.js';
import { FIXTURES, rejectsUserError, tempDir, tempFilesIn, validConfig } from './helpers.js';

// Deterministic, distinct values for every parameter the config implies.
function paramsFor(config: CharLmConfig): Map<string, ParamTensor> {
  const params = new Map<string, ParamTensor>();
  let k = 0;
  for (const [name, shape] of expectedParamShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(++k) * 0.5;
    params.set(name, { shape, data });
  }
  return params;
}

function smallConfig(cell: 'lstm' | 'gru' = 'lstm'): CharLmConfig {
  return { ...validConfig(), cell, layers: 2, units: 3, embed: 2 };
}

// A saved model directory whose weights the test then replaces with `edit`ed tensors.
async function dirWithTensors(
  t: { after: (fn: () => void) => void },
  edit: (tensors: Map<string, NamedTensor>) => void,
): Promise<string> {
  const dir = join(tempDir(t), 'model');
  await saveModelDir(dir, smallConfig(), paramsFor(smallConfig()));
  const weights = join(dir, 'model.safetensors');
  const { tensors } = await readSafetensors(weights);
  edit(tensors);
  await writeSafetensors(weights, tensors);
  return dir;
}

test('save then load round-trips the config and every parameter', async (t) => {
  for (const cell of ['lstm', 'gru'] as const) {
    const dir = join(tempDir(t), 'nested', cell);
    const config = smallConfig(cell);
    const params = paramsFor(config);
    const { weightsSha256 } = await saveModelDir(dir, config, params);
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
    assert.deepEqual(tempFilesIn(dir), []);
    const fileHash = createHash('sha256')
      .update(readFileSync(join(dir, 'model.safetensors')))
      .digest('hex');
    assert.equal(weightsSha256, fileHash);

    const loaded = await loadModelDir(dir);
    assert.deepEqual(loaded.config, config);
    assert.equal(loaded.weightsSha256, fileHash);
    assert.deepEqual([...loaded.params.keys()], [...expectedParamShapes(config).keys()]);
    for (const [name, p] of params) assert.deepEqual(loaded.params.get(name), p, name);
  }
});

test('saving is deterministic: the same model gives the same bytes and hash', async (t) => {
  const config = smallConfig();
  const a = await saveModelDir(join(tempDir(t), 'a'), config, paramsFor(config));
  const b = await saveModelDir(join(tempDir(t), 'b'), config, paramsFor(config));
  assert.equal(a.weightsSha256, b.weightsSha256);
});

test('a PyTorch state_dict saved with safetensors.torch.save_file loads as is', async () => {
  for (const name of ['torch-lstm', 'torch-gru']) {
    const { config, params } = await loadModelDir(join(FIXTURES, name));
    const expected = expectedParamShapes(config);
    assert.deepEqual([...params.keys()], [...expected.keys()], name);
    // make_fixtures.py fills parameter k (state_dict order) with k + i/1024.
    for (const [k, { shape, data }] of [...params.values()].entries()) {
      assert.equal(
        data.length,
        shape.reduce((a, b) => a * b, 1),
      );
      for (let i = 0; i < data.length; i++) assert.equal(data[i], k + i / 1024, `${name}: parameter ${k} [${i}]`);
    }
  }
});

test('weights stored as F64, F16 or BF16 load as Float32', async (t) => {
  const dir = await dirWithTensors(t, (tensors) => {
    tensors.set('proj.bias', { dtype: 'F16', shape: [30], data: toF16Bits(new Float32Array(30).fill(0.25)) });
    const embed = tensors.get('embed.weight')!;
    tensors.set('embed.weight', {
      dtype: 'F64',
      shape: embed.shape,
      data: Float64Array.from(embed.data as Float32Array),
    });
  });
  const { params } = await loadModelDir(dir);
  assert.deepEqual([...params.get('proj.bias')!.data], new Array(30).fill(0.25));
  assert.ok(params.get('embed.weight')!.data instanceof Float32Array);
});

test('weights that do not match the config are refused, naming the tensor and both shapes', async (t) => {
  const configDescription = /config\.json \(2-layer lstm, 3 units, embed 2, 30 symbols\)/;
  const missing = await dirWithTensors(t, (tensors) => tensors.delete('rnn.bias_hh_l1'));
  await rejectsUserError(
    loadModelDir(missing),
    /model\/model\.safetensors: missing tensor 'rnn\.bias_hh_l1' \(shape \[12\]\), which config\.json \(/,
  );
  await rejectsUserError(loadModelDir(missing), configDescription);

  const wrongShape = await dirWithTensors(t, (tensors) => {
    tensors.set('rnn.weight_hh_l0', { dtype: 'F32', shape: [12, 4], data: new Float32Array(48) });
  });
  await rejectsUserError(
    loadModelDir(wrongShape),
    /model\.safetensors: tensor 'rnn\.weight_hh_l0' has shape \[12, 4\] but config\.json \(.*\) requires \[12, 3\]$/,
  );

  const extra = await dirWithTensors(t, (tensors) => {
    tensors.set('rnn.weight_hr_l0', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
  });
  await rejectsUserError(
    loadModelDir(extra),
    /model\.safetensors: unexpected tensor 'rnn\.weight_hr_l0': not a parameter of the model config\.json \(/,
  );

  const wrongDtype = await dirWithTensors(t, (tensors) => {
    tensors.set('proj.bias', { dtype: 'I64', shape: [30], data: new BigInt64Array(30) });
  });
  await rejectsUserError(
    loadModelDir(wrongDtype),
    /model\.safetensors: tensor 'proj\.bias' has dtype I64, but floating-point values .* are needed$/,
  );
});

test('a missing or incomplete model directory is refused with a plain message', async (t) => {
  const root = tempDir(t);
  await rejectsUserError(loadModelDir(join(root, 'nope')), /nope: model directory not found$/);
  writeFileSync(join(root, 'file'), '');
  await rejectsUserError(
    loadModelDir(join(root, 'file')),
    /file: not a model directory \(expected a directory holding/,
  );

  const dir = join(root, 'm');
  await saveModelDir(dir, smallConfig(), paramsFor(smallConfig()));
  const config = readFileSync(join(dir, 'config.json'), 'utf8');
  rmSync(join(dir, 'model.safetensors'));
  await rejectsUserError(
    loadModelDir(dir),
    /m\/model\.safetensors: missing \(a model directory holds config\.json and model\.safetensors\)$/,
  );
  rmSync(join(dir, 'config.json'));
  await rejectsUserError(loadModelDir(dir), /m\/config\.json: missing \(a model directory holds/);

  writeFileSync(join(dir, 'config.json'), config.slice(0, 20));
  await rejectsUserError(loadModelDir(dir), /m\/config\.json: not valid JSON \(/);
  writeFileSync(join(dir, 'config.json'), config.replace('"units": 3', '"units": -3'));
  await rejectsUserError(loadModelDir(dir), /m\/config\.json: \/units must be >= 1 \(found -3\)$/);

  mkdirSync(join(root, 'corrupt'));
  writeFileSync(join(root, 'corrupt', 'config.json'), config);
  writeFileSync(join(root, 'corrupt', 'model.safetensors'), 'abc');
  await rejectsUserError(loadModelDir(join(root, 'corrupt')), /corrupt\/model\.safetensors: not a safetensors file/);
});

test('saving refuses params that do not match the config (a caller bug, so not a UserError)', async (t) => {
  const dir = join(tempDir(t), 'm');
  const params = paramsFor(smallConfig());
  params.delete('proj.bias');
  await assert.rejects(saveModelDir(dir, smallConfig(), params), (err: unknown) => {
    assert.ok(err instanceof Error && !(err instanceof UserError));
    assert.match(err.message, /missing tensor 'proj\.bias'/);
    return true;
  });
  const short = paramsFor(smallConfig());
  short.set('proj.bias', { shape: [30], data: new Float32Array(2) });
  await assert.rejects(
    saveModelDir(dir, smallConfig(), short),
    /tensor 'proj\.bias' needs a Float32Array of 30 elements \(shape \[30\]\)/,
  );
  await rejectsUserError(
    saveModelDir(dir, { ...smallConfig(), units: 0 }, params),
    /m\/config\.json: \/units must be >= 1/,
  );
  assert.throws(() => readdirSync(dir), /ENOENT/, 'nothing was written');
});
