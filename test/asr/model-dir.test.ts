import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { emptyLasMetrics, type LasModelConfig } from '../../src/asr/las-model-config.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';
import { loadLasModel } from '../../src/io/load-model.js';
import { validateLasModelConfig, validateModelConfig } from '../../src/io/model-config.js';
import { loadLasModelDir, loadModelDir, saveLasModelDir } from '../../src/io/model-dir.js';
import { packageFile } from '../../src/io/package-files.js';
import { readSafetensors, toFloat32, toInt32 } from '../../src/io/safetensors.js';
import { Las } from '../../src/models/las.js';
import { defaultFbankConfig } from '../../src/speech/fbank.js';
import { FIXTURES, tempDir } from '../cli/helpers.js';

const TORCH_DIR = join(FIXTURES, 'golden', 'las-model-dir');

test('a LAS model directory written by PyTorch (scripts/las_model_dir.py) loads unchanged and gives its losses and logits', async () => {
  const { model, config } = await loadLasModel(TORCH_DIR);
  assert.equal(config.kind, 'las');
  const { tensors } = await readSafetensors(join(TORCH_DIR, 'check.safetensors'));
  const f = (name: string) => toFloat32(tensors.get(name)!, name);
  const frames = toInt32(tensors.get('frames')!, 'frames');
  const lengths = toInt32(tensors.get('transcript_lengths')!, 'lengths');
  const flat = toInt32(tensors.get('transcripts')!, 'transcripts');
  const transcripts: Int32Array[] = [];
  let at = 0;
  for (const n of lengths) {
    transcripts.push(flat.slice(at, at + n));
    at += n;
  }
  const T = Math.max(...frames);
  const out = model.forward(tsGemm, { features: f('features'), T, B: frames.length, frames, transcripts });
  assert.ok(Math.abs(out.loss - f('loss')[0]!) < 1e-4, `${out.loss} vs ${f('loss')[0]}`);
  assert.ok(Math.abs(out.attentionLoss - f('attention_loss')[0]!) < 1e-4);
  assert.ok(Math.abs(out.ctcLoss! - f('ctc_loss')[0]!) < 1e-4);
  const logits = f('logits');
  let worst = 0;
  for (let i = 0; i < logits.length; i++) worst = Math.max(worst, Math.abs(logits[i]! - out.logits[i]!));
  assert.ok(worst < 1e-4, `logits differ by ${worst}`);
});

function lasModelConfig(las: Las): LasModelConfig {
  return {
    format: 'memsig-model',
    version: 1,
    kind: 'las',
    las: las.config,
    graphemes: ['a', 'b', 'c', ' '],
    features: { sampleRate: 16000, fbank: { ...defaultFbankConfig(), melBins: 5 }, cmvn: 'utterance' },
    data: null,
    training: null,
    metrics: { ...emptyLasMetrics(), devCer: 0.5 },
  };
}

test('saveLasModelDir() then loadLasModel(): the same config and weights, byte for byte; LM and LAS loaders refuse each other', async (t) => {
  const dir = tempDir(t);
  const las = new Las({
    features: 5,
    stack: 1,
    listenerLayers: 1,
    pyramidLayers: 1,
    listenerUnits: 3,
    alphabet: 4,
    embed: 2,
    spellerLayers: 1,
    spellerUnits: 3,
    attention: 2,
    location: null,
    outputHidden: 3,
    labelSmoothing: 0,
    ctcWeight: 0.2,
  });
  las.initialize(new Rng(1));
  const config = lasModelConfig(las);
  await saveLasModelDir(dir, config, las.params);
  const loaded = await loadLasModel(dir);
  assert.deepEqual(loaded.config, config);
  for (const [name, p] of las.params) {
    assert.deepEqual(Buffer.from(loaded.model.params.get(name)!.data.buffer), Buffer.from(p.data.buffer), name);
  }
  await assert.rejects(
    loadModelDir(dir),
    /a Listen-Attend-Spell speech recognizer \(kind "las"\), not a language model/,
  );
  const lm = join(FIXTURES, 'io', 'torch-lstm');
  await assert.rejects(loadLasModelDir(lm), /a language model \(kind "char-lm"\), not a speech recognizer/);
  const bad = structuredClone(config);
  bad.las.alphabet = 5;
  assert.throws(() => validateLasModelConfig(bad, 'x'), /\/las\/alphabet is 5 but there are 4 graphemes/);
  assert.throws(() => validateModelConfig(config, 'x'), /memsig asr/);
  const unknown = { ...structuredClone(config), extra: 1 };
  assert.throws(() => validateLasModelConfig(unknown, 'x'), /unknown field \/extra/);
});

test('the schema documents every field of a LAS config', () => {
  const schema = JSON.parse(readFileSync(packageFile('docs', 'model-config.schema.json'), 'utf8'));
  const check = (node: Record<string, unknown>, where: string) => {
    const props = node.properties as Record<string, Record<string, unknown>> | undefined;
    if (!props) return;
    assert.equal(node.additionalProperties, false, where);
    for (const [key, child] of Object.entries(props)) {
      assert.ok(child.description, `${where}/${key} has a description`);
      check(child, `${where}/${key}`);
    }
  };
  check(schema.$defs.las, '');
  const sample = JSON.parse(readFileSync(join(TORCH_DIR, 'config.json'), 'utf8'));
  assert.deepEqual(Object.keys(schema.$defs.las.properties).sort(), Object.keys(sample).sort());
});
