// `memsig import SOURCE --out DIR`: a model saved by PyTorch (safetensors), TensorFlow.js / Keras (model.json) or
// ONNX becomes a memsig model directory; the mapping chosen is printed so it can be checked, and --map corrects it.

import type { Command } from 'commander';
import { importModel, PT_CONVERSION } from '../../import/import-model.js';
import type { NormalizationChoices } from '../../import/normalization.js';
import { describeNormalization } from '../../import/normalization.js';
import type { TensorRename } from '../../import/pytorch-state-dict.js';
import type { CellKind, SegmentationKind } from '../../models/config.js';
import { parseChoice, parsePath, UsageError } from '../args.js';
import { writeLine } from '../io.js';
import type { CommandContext } from './common.js';

interface RawImportFlags {
  out?: string;
  alphabetFile?: string;
  map?: string[];
  cell?: string;
  case?: string;
  digitSymbol?: string;
  unknown?: string;
  whitespace?: string;
  segment?: string;
  force?: boolean;
}

const CELLS = ['lstm', 'gru'] as const;
const SEGMENTS = ['line', 'sentence', 'none'] as const;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseRename(text: string): TensorRename {
  const at = text.lastIndexOf('=');
  if (at <= 0 || at === text.length - 1) {
    throw new UsageError(
      `--map takes OLD=NEW, a tensor of the file and memsig's name for it, or OLD=- (got ${JSON.stringify(text)})`,
    );
  }
  return [text.slice(0, at), text.slice(at + 1)];
}

function parseNormalization(raw: RawImportFlags): NormalizationChoices {
  const choices: NormalizationChoices = {};
  if (raw.case !== undefined) choices.lowercase = parseChoice('--case', raw.case, ['lower', 'keep']) === 'lower';
  if (raw.digitSymbol !== undefined) {
    if (raw.digitSymbol !== 'none' && [...raw.digitSymbol].length !== 1) {
      throw new UsageError(`--digit-symbol must be one character or "none" (got ${JSON.stringify(raw.digitSymbol)})`);
    }
    choices.digitSymbol = raw.digitSymbol === 'none' ? null : raw.digitSymbol;
  }
  if (raw.unknown !== undefined) choices.unknown = parseChoice('--unknown', raw.unknown, ['drop', 'space'] as const);
  if (raw.whitespace !== undefined) {
    choices.collapseWhitespace = parseChoice('--whitespace', raw.whitespace, ['collapse', 'keep']) === 'collapse';
  }
  return choices;
}

export function registerImport(program: Command, ctx: CommandContext): void {
  program
    .command('import')
    .summary('make a memsig model directory from a PyTorch, TensorFlow.js/Keras or ONNX model')
    .description(
      'Read a character RNN (embedding → LSTM/GRU layers → linear) saved by another framework and write a memsig model directory (config.json + model.safetensors) that memsig eval and memsig signature read.\n' +
        'SOURCE is a PyTorch state_dict saved as .safetensors (any parameter names: the embedding, recurrent layers and output projection are found by shape and name, and the mapping is printed), a TensorFlow.js layers model (model.json or its folder, weight shards beside it), or an .onnx file (LSTM/GRU operators, as torch.onnx.export writes them).\n' +
        'The alphabet comes from the model file (metadata key "alphabet") or --alphabet-file; the text normalization follows from it (capitals: case kept; digits: kept; a newline: whitespace kept and the text read as one stream) unless the flags below say otherwise.\n' +
        'A GRU whose reset gate comes before the recurrent product (Keras reset_after=False, ONNX linear_before_reset=0) and Keras hard-sigmoid gates are kept as they are: evaluated and analysed, not trained.\n' +
        `A .pt/.pth checkpoint is a Python pickle, which memsig does not read; convert it first: ${PT_CONVERSION}`,
    )
    .argument('<source>', 'the model: FILE.safetensors, FILE.onnx, model.json (or its folder)')
    .option('--out <dir>', '(required) the model directory to write')
    .option(
      '--alphabet-file <file>',
      'the symbols in id order: a JSON list, a JSON {symbol: id} map, or one symbol per line',
    )
    .option(
      '--map <old=new>',
      "PyTorch only, repeatable: name a tensor of the file as memsig's (embed.weight, rnn.weight_ih_l0, …, proj.weight, proj.bias), or OLD=- to leave it out",
      collect,
    )
    .option('--cell <lstm|gru>', "check that the model's layers are of this cell")
    .option(
      '--case <lower|keep>',
      'lowercase the text, or keep capitals (default: keep when the alphabet has capitals)',
    )
    .option(
      '--digit-symbol <c|none>',
      "the symbol digits become, or none to keep them (default: none when the alphabet has digits, else '#' if it has one)",
    )
    .option('--unknown <drop|space>', 'characters outside the alphabet (default: space when the alphabet has one)')
    .option(
      '--whitespace <collapse|keep>',
      'collapse runs of spaces, or keep whitespace as it is (default: keep when the alphabet has a newline or tab)',
    )
    .option(
      '--segment <line|sentence|none>',
      "how the model reads text (default: none, one stream, when the alphabet has a newline; else memsig's usual line/sentence)",
    )
    .option('--force', 'replace a model already in --out')
    .action(async (sourceArg: string, raw: RawImportFlags) => {
      if (raw.out === undefined) throw new UsageError('missing --out (the model directory to write)');
      const out = parsePath('--out', raw.out);
      const source = parsePath('SOURCE', sourceArg);
      const alphabetFile = raw.alphabetFile === undefined ? undefined : parsePath('--alphabet-file', raw.alphabetFile);
      const cell: CellKind | undefined = raw.cell === undefined ? undefined : parseChoice('--cell', raw.cell, CELLS);
      const segmentation: SegmentationKind | undefined =
        raw.segment === undefined ? undefined : parseChoice('--segment', raw.segment, SEGMENTS);
      const result = await importModel({
        source,
        out,
        alphabetFile,
        renames: (raw.map ?? []).map(parseRename),
        cell,
        normalization: parseNormalization(raw),
        segmentation,
        force: raw.force === true,
      });
      const { config, mapping } = result;
      const names = { pytorch: 'PyTorch state_dict', keras: 'TensorFlow.js layers model', onnx: 'ONNX model' };
      const stdout = ctx.io.stdout;
      writeLine(
        stdout,
        `${names[config.imported!.framework]} ${source}: ${config.layers}-layer ${config.cell}${config.resetAfter === false ? ' (reset gate before the recurrent product; forward only)' : ''}${config.gateActivation === 'hard_sigmoid' ? ' (hard-sigmoid gates; forward only)' : ''}, ${config.units} units, embed ${config.embed}, ${config.normalization.alphabet.length} symbols`,
      );
      const width = Math.max(...mapping.map(([part]) => part.length));
      for (const [part, from] of mapping) writeLine(stdout, `  ${part.padEnd(width)}  ← ${from}`);
      writeLine(
        stdout,
        `alphabet from ${result.alphabetFrom === 'file' ? alphabetFile : 'the model file'}; text read: ${describeNormalization(config.normalization, config.segmentation)}`,
      );
      writeLine(stdout, `wrote ${out} (config.json, model.safetensors ${result.weightsSha256.slice(0, 12)}…)`);
    });
}
