// What importModel() refuses, each as one UserError naming the layer, node or file: gates memsig's cells do not
// have (relu, Keras 3's hard sigmoid), GRUs of both kinds in one model, layers with no counterpart, broken files, alphabets that do
// not fit.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { type ImportOptions, importModel } from '../../src/import/import-model.js';
import { IMPORT_FIXTURES } from './fixtures.js';

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const run = (source: string, out: string, more: Partial<ImportOptions> = {}) =>
  importModel({ source, out, renames: [], normalization: {}, force: false, ...more });

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.ok(err instanceof UserError, `a UserError, not ${err.name}: ${err.message}`);
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
}

interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
}
interface ModelJson {
  modelTopology: { config: { layers: LayerJson[] }; model_config: { config: { layers: LayerJson[] } } };
  weightsManifest: { weights: unknown[] }[];
}

// A copy of a fixture's Keras folder whose model.json `edit` changes.
function editedKeras(dir: string, model: 'lstm' | 'gru', edit: (json: ModelJson) => void): string {
  const folder = join(dir, `${model}-keras`);
  mkdirSync(folder, { recursive: true });
  const src = join(IMPORT_FIXTURES, model, 'keras');
  copyFileSync(join(src, 'weights.bin'), join(folder, 'weights.bin'));
  const json = JSON.parse(readFileSync(join(src, 'model.json'), 'utf8'));
  edit(json);
  writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
  return join(folder, 'model.json');
}

const gruLayers = (json: ModelJson) => json.modelTopology.model_config.config.layers;
const lstmLayers = (json: ModelJson) => json.modelTopology.config.layers;
const gruAlphabet = join(IMPORT_FIXTURES, 'gru', 'alphabet.json');

test('importModel() refuses other gate functions and the hard sigmoid of Keras 3, layers without a counterpart and short weight shards', async (t) => {
  const dir = scratch(t);
  const relu = editedKeras(dir, 'lstm', (json) => {
    lstmLayers(json)[1]!.config.recurrent_activation = 'relu';
  });
  await rejects(
    run(relu, join(dir, 'a')),
    /LSTM layer 'lstm' has recurrent_activation "relu"; memsig's gates are sigmoid or hard_sigmoid/,
  );
  const keras3 = editedKeras(dir, 'lstm', (json) => {
    lstmLayers(json)[1]!.config.recurrent_activation = 'hard_sigmoid';
    (json.modelTopology as unknown as { keras_version: string }).keras_version = '3.4.1';
  });
  await rejects(run(keras3, join(dir, 'a3')), /LSTM layer 'lstm' has Keras 3\.4\.1's hard_sigmoid/);
  const conv = editedKeras(dir, 'lstm', (json) => {
    lstmLayers(json).splice(1, 0, { class_name: 'Conv1D', config: { name: 'conv' } });
  });
  await rejects(run(conv, join(dir, 'b')), /Conv1D layer 'conv' has no counterpart in memsig's model/);
  const short = editedKeras(dir, 'lstm', (json) => {
    json.weightsManifest[0].weights.push({ name: 'extra/kernel', shape: [100, 100], dtype: 'float32' });
  });
  await rejects(run(short, join(dir, 'c')), /the weight shards end before weight 'extra\/kernel'/);
});

test('importModel() refuses GRU layers of both kinds in one model, naming the layer', async (t) => {
  const dir = scratch(t);
  const source = editedKeras(dir, 'gru', (json) => {
    gruLayers(json)[3].config.reset_after = false;
  });
  await rejects(
    run(source, join(dir, 'out'), { alphabetFile: gruAlphabet }),
    /GRU layer 'gru_1' has reset_after false after layers with true/,
  );
  writeFileSync(join(dir, 'junk.onnx'), Buffer.from('not a protobuf at all'));
  await rejects(run(join(dir, 'junk.onnx'), join(dir, 'junk')), /junk\.onnx: not an ONNX model/);
});

test('importModel() wants an alphabet that fits the embedding, and says how to convert a .pt checkpoint', async (t) => {
  const dir = scratch(t);
  const gru = join(IMPORT_FIXTURES, 'gru', 'pytorch.safetensors');
  await rejects(run(gru, join(dir, 'a')), /carries no alphabet; give --alphabet-file/);
  writeFileSync(join(dir, 'short.json'), JSON.stringify(['a', 'b']));
  await rejects(
    run(gru, join(dir, 'b'), { alphabetFile: join(dir, 'short.json') }),
    /has 2 symbols, but the embedding emb\.weight has 30 rows/,
  );
  writeFileSync(join(dir, 'model.pt'), 'PK');
  await rejects(run(join(dir, 'model.pt'), join(dir, 'c')), /pickled PyTorch checkpoint.*torch\.load.*save_file/);
  await rejects(
    run(join(IMPORT_FIXTURES, 'lstm', 'keras', 'weights.bin'), join(dir, 'e')),
    /TensorFlow\.js weight shard \(give its model\.json\)/,
  );
  await rejects(
    run(gru, join(dir, 'd'), { alphabetFile: gruAlphabet, cell: 'lstm' }),
    /--cell lstm, but .* holds gru layers/,
  );
});
