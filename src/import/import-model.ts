// memsig import: a model saved by PyTorch (safetensors state_dict), TensorFlow.js / Keras (model.json + shards) or
// ONNX, written as a memsig model directory. The config says where the model came from (framework, file, sha256,
// the tensor mapping); it has no corpus or training record of memsig's.

import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import { extname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { corpusSourceName } from '../data/source-name.js';
import { fsError } from '../io/fs-errors.js';
import { CONFIG_FILE, saveModelDir, WEIGHTS_FILE } from '../io/model-dir.js';
import { readFileBytes } from '../io/read-file.js';
import { parseSafetensors } from '../io/safetensors.js';
import type { CellKind, CharLmConfig, ImportRecord, SegmentationKind } from '../models/config.js';
import { alphabetFromJsonText, readAlphabetFile } from './alphabet-file.js';
import { readKerasModel } from './keras-model.js';
import { type ImportedNetwork, networkSizes, toModelParams } from './network.js';
import { impliedSegmentation, inferNormalization, type NormalizationChoices } from './normalization.js';
import { readOnnxModel } from './onnx-model.js';
import { readStateDict, type TensorRename } from './pytorch-state-dict.js';

export type ImportFramework = ImportRecord['framework'];

export interface ImportOptions {
  source: string;
  out: string;
  alphabetFile?: string;
  renames: TensorRename[];
  /** When given, the model's cell must be this one. */
  cell?: CellKind;
  normalization: NormalizationChoices;
  segmentation?: SegmentationKind;
  force: boolean;
}

export interface ImportResult {
  config: CharLmConfig;
  mapping: [string, string][];
  alphabetFrom: 'model' | 'file';
  weightsSha256: string;
}

/** Python that turns a .pt/.pth checkpoint into the safetensors memsig reads (no npm reader of pickles is sound). */
export const PT_CONVERSION =
  "python3 -c \"import torch, safetensors.torch as st; sd = torch.load('model.pt', map_location='cpu'); st.save_file({k: v.contiguous().clone() for k, v in sd.items()}, 'model.safetensors')\"";

/** Which reader a path needs, from its name (a folder holding model.json is a TensorFlow.js model). */
export async function detectFramework(source: string): Promise<{ framework: ImportFramework; file: string }> {
  let isDir: boolean;
  try {
    isDir = (await fsp.stat(source)).isDirectory();
  } catch (err) {
    throw fsError(err, 'read', source);
  }
  if (isDir) {
    const file = join(source, 'model.json');
    try {
      await fsp.access(file);
    } catch {
      throw new UserError(
        `${source}: a folder without model.json; give the model file (.safetensors, .onnx or model.json)`,
      );
    }
    return { framework: 'keras', file };
  }
  const ext = extname(source).toLowerCase();
  if (ext === '.safetensors') return { framework: 'pytorch', file: source };
  if (ext === '.onnx') return { framework: 'onnx', file: source };
  if (ext === '.json') return { framework: 'keras', file: source };
  if (ext === '.pt' || ext === '.pth' || ext === '.ckpt') {
    throw new UserError(
      `${source}: a pickled PyTorch checkpoint, which memsig does not read; save its state_dict as safetensors first: ${PT_CONVERSION}`,
    );
  }
  if (ext === '.h5' || ext === '.keras') {
    throw new UserError(
      `${source}: a Keras file, which memsig does not read; convert it to a TensorFlow.js layers model first (tensorflowjs_converter --input_format keras ${source} DIR) and import DIR/model.json`,
    );
  }
  if (ext === '.bin') {
    throw new UserError(
      `${source}: a .bin is a TensorFlow.js weight shard (give its model.json) or a pickled PyTorch checkpoint (save its state_dict as safetensors first: ${PT_CONVERSION.replace('model.pt', source)})`,
    );
  }
  throw new UserError(
    `${source}: not a format memsig imports (a PyTorch state_dict as .safetensors, an ONNX .onnx, or a TensorFlow.js model.json)`,
  );
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface ReadSource {
  network: ImportedNetwork;
  files: { file: string; sha256: string }[];
}

async function readSource(
  framework: ImportFramework,
  file: string,
  renames: readonly TensorRename[],
): Promise<ReadSource> {
  if (renames.length > 0 && framework !== 'pytorch') {
    throw new UserError('--map renames the tensors of a PyTorch state_dict (.safetensors); this model is not one');
  }
  const bytes = await readFileBytes(file);
  if (framework === 'pytorch') {
    const { tensors, metadata } = parseSafetensors(bytes, file);
    const network = readStateDict(tensors, renames, file);
    const alphabet =
      metadata.alphabet === undefined ? null : alphabetFromJsonText(metadata.alphabet, `${file} metadata alphabet`);
    return { network: { ...network, alphabet }, files: [{ file, sha256: sha256Hex(bytes) }] };
  }
  if (framework === 'onnx') return { network: readOnnxModel(bytes, file), files: [{ file, sha256: sha256Hex(bytes) }] };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const keras = await readKerasModel(file, json);
  const files = [];
  for (const f of keras.files) files.push({ file: f, sha256: sha256Hex(f === file ? bytes : await readFileBytes(f)) });
  return { network: keras.network, files };
}

async function refuseExisting(out: string): Promise<void> {
  try {
    await fsp.access(join(out, CONFIG_FILE));
  } catch {
    return;
  }
  throw new UserError(`${out}: already holds a model (${CONFIG_FILE}); give --force to replace it`);
}

/** Reads `options.source`, writes the model directory `options.out`, and says what it did. */
export async function importModel(options: ImportOptions): Promise<ImportResult> {
  const { framework, file } = await detectFramework(options.source);
  if (!options.force) await refuseExisting(options.out);
  const { network, files } = await readSource(framework, file, options.renames);
  const sizes = networkSizes(network);
  if (options.cell && options.cell !== network.cell) {
    throw new UserError(`--cell ${options.cell}, but ${file} holds ${network.cell} layers`);
  }
  const alphabetFrom = options.alphabetFile ? 'file' : 'model';
  const alphabet = options.alphabetFile ? await readAlphabetFile(options.alphabetFile) : network.alphabet;
  if (!alphabet) {
    throw new UserError(
      `${file} carries no alphabet; give --alphabet-file (a JSON list of symbols in id order, a {symbol: id} map, or one symbol per line)`,
    );
  }
  if (alphabet.length !== sizes.vocab) {
    const embedFrom = network.mapping.find(([p]) => p === 'embed.weight')?.[1] ?? 'the embedding';
    throw new UserError(
      `the alphabet (${alphabetFrom === 'file' ? options.alphabetFile : 'in the model'}) has ${alphabet.length} symbols, but the embedding ${embedFrom} has ${sizes.vocab} rows`,
    );
  }
  const normalization = inferNormalization(alphabet, options.normalization);
  const segmentation = options.segmentation ?? impliedSegmentation(alphabet);
  const [main, ...shards] = files;
  const params = toModelParams(network);
  // In memsig's parameter order, whatever order the source was read in.
  const order = [...params.keys()];
  const mapping = [...network.mapping].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
  const config: CharLmConfig = {
    format: 'memsig-model',
    version: 1,
    kind: 'char-lm',
    cell: network.cell,
    layers: sizes.layers,
    units: sizes.units,
    embed: sizes.embed,
    normalization,
    ...(segmentation ? { segmentation } : {}),
    ...(network.resetAfter ? {} : { resetAfter: false }),
    ...(network.gate === 'hard_sigmoid' ? { gateActivation: 'hard_sigmoid' as const } : {}),
    corpus: null,
    training: null,
    metrics: { devPerplexity: null, evalPerplexity: null },
    imported: {
      framework,
      // Named as corpora are: relative to the working directory inside it, else by file name (no machine's folders).
      file: corpusSourceName(main!.file),
      sha256: main!.sha256,
      ...(shards.length > 0
        ? { shards: shards.map((s) => ({ file: corpusSourceName(s.file), sha256: s.sha256 })) }
        : {}),
      mapping: Object.fromEntries(mapping),
    },
  };
  const { weightsSha256 } = await saveModelDir(options.out, config, params);
  return { config, mapping, alphabetFrom, weightsSha256 };
}

export { CONFIG_FILE, WEIGHTS_FILE };
