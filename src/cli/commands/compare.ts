// `memsig compare`: several signatures in one figure: labelled signature panels on one colour scale (the paper's
// Figures 4, 6 and 7), or their marginal recall together (Figure 2).

import type { Command } from 'commander';
import { checkGroup, groupMean } from '../../analysis/seed-groups.js';
import { type CompareEntry, renderCompareSvg } from '../../render/compare.js';
import { seedGroupLabel } from '../../render/seed-label.js';
import { defaultLayer, findLayer } from '../../render/signature-data.js';
import { parseChoice, parseInteger, UsageError } from '../args.js';
import type { CommandContext } from './common.js';
import {
  figureFormat,
  groupPaths,
  METRICS,
  PALETTES,
  parseScale,
  readSignatures,
  renderFor,
  requireOut,
  resolveLabels,
  writeFigure,
} from './render.js';

const COMPARE_KINDS = ['signature', 'marginal'] as const;

interface RawCompareFlags {
  out?: string;
  labels?: string;
  kind?: string;
  layer?: string;
  metric?: string;
  palette?: string;
  columns?: string;
  title?: string;
  scale?: string;
}

/** --layer: one layer for every file, or one per file separated by commas. */
export function parseLayers(raw: string | undefined, files: number): (number | undefined)[] {
  if (raw === undefined) return new Array(files).fill(undefined);
  const parts = raw.split(',');
  if (parts.length !== 1 && parts.length !== files) {
    throw new UsageError(
      `--layer needs one layer, or one per signature (${files}) separated by commas (got ${JSON.stringify(raw)})`,
    );
  }
  const layers = parts.map((p) => parseInteger('--layer', p.trim(), 1));
  return parts.length === 1 ? new Array(files).fill(layers[0]) : layers;
}

/**
 * What each argument draws: a file's signature, or a group's mean over its model seeds (seed-groups.ts), labelled
 * "… (mean of K model seeds)"; at the layer --layer names for it, or its first.
 */
export async function compareEntries(
  args: readonly string[],
  layers: readonly (number | undefined)[],
  rawLabels: string | undefined,
): Promise<CompareEntry[]> {
  const groups = args.map((arg, i) => (arg.includes(',') ? groupPaths(arg, `${i + 1} (${arg})`) : [arg]));
  const read = await Promise.all(groups.map((paths) => readSignatures(paths)));
  const sigs = read.map((members, i) => {
    if (members.length === 1) return members[0]!;
    const group = { paths: groups[i]!, signatures: members };
    checkGroup(group, `${i + 1} (${args[i]})`);
    const layer = layers[i] ?? defaultLayer(members[0]!);
    return groupMean(
      group,
      layer,
      members.map((_, k) => k + 1),
    );
  });
  const labels = resolveLabels(
    rawLabels,
    sigs,
    groups.map((g) => g[0]!),
  );
  return sigs.map((sig, i) => {
    const layer = layers[i];
    const size = groups[i]!.length;
    if (layer !== undefined && size === 1) findLayer(sig, layer, args[i]);
    return { sig, label: size > 1 ? seedGroupLabel(labels[i]!, size) : labels[i]!, layer };
  });
}

export function registerCompare(program: Command, ctx: CommandContext): void {
  program
    .command('compare')
    .summary('draw several signatures side by side (SVG or PNG)')
    .description(
      'Draw several signatures in one figure: labelled memory-signature panels on one shared colour scale ' +
        '(--kind signature), or their marginal recall per δ, one column and one line per signature (--kind marginal). ' +
        'A file may be given more than once, with --layer choosing a layer for each. An argument a1.json,a2.json,a3.json ' +
        '(the signatures of several seeds of one model, on the same positions) is drawn as their mean, with the ' +
        'spread over the seeds as a band in the marginal chart.',
    )
    .argument('<signatures...>', 'signature files, or groups of seeds a1.json,a2.json,…')
    .option('--out <file>', '(required) FILE.svg or FILE.png')
    .option('--labels <names>', "panel names separated by commas, one per file (default the models' labels)")
    .option('--kind <kind>', 'signature or marginal', 'signature')
    .option('--layer <n>', 'the layer of every file, or one per file: 1,2,1 (default 1)')
    .option('--metric <m>', 'accuracy (recall) or bits', 'accuracy')
    .option('--palette <p>', 'purple or green', 'purple')
    .option('--columns <n>', 'panels per row (default up to 3)')
    .option('--title <text>', 'the figure title')
    .option('--scale <x>', 'PNG pixels per SVG px (default 3)')
    .action(async (paths: string[], raw: RawCompareFlags) => {
      const out = requireOut(raw.out, 'FILE.svg or FILE.png');
      const format = figureFormat(out);
      const kind = parseChoice('--kind', raw.kind ?? 'signature', COMPARE_KINDS);
      const metric = parseChoice('--metric', raw.metric ?? 'accuracy', METRICS);
      const palette = parseChoice('--palette', raw.palette ?? 'purple', PALETTES);
      const layers = parseLayers(raw.layer, paths.length);
      const columns = raw.columns === undefined ? undefined : parseInteger('--columns', raw.columns, 1, 12);
      const scale = parseScale(raw.scale);
      const entries = await compareEntries(paths, layers, raw.labels);
      const svg = renderFor(paths.join(', '), () =>
        renderCompareSvg(entries, { kind, metric, palette, columns, title: raw.title }),
      );
      await writeFigure(ctx.io, out, svg, format, scale);
    });
}
