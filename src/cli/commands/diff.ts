// `memsig diff`: the difference of two signatures as a diverging heatmap (the paper's Figure 5): red where the first
// recalls a symbol better, blue where the second does, aligned on the symbols and δs both have.

import type { Command } from 'commander';
import type { LayerSignature } from '../../analysis/signature-types.js';
import { renderDiffSvg } from '../../render/diff.js';
import { alignSignatures, countDifferingCells, defaultLayer, findLayer } from '../../render/signature-data.js';
import { parseChoice, parseNumber, UsageError } from '../args.js';
import { writeLine } from '../io.js';
import type { CommandContext } from './common.js';
import {
  figureFormat,
  METRICS,
  parseLayer,
  parseScale,
  readSignatures,
  renderFor,
  requireOut,
  resolveLabels,
  writeFigure,
} from './render.js';

interface RawDiffFlags {
  out?: string;
  layerA?: string;
  layerB?: string;
  metric?: string;
  labels?: string;
  limit?: string;
  scale?: string;
}

export function registerDiff(program: Command, ctx: CommandContext): void {
  program
    .command('diff')
    .summary('draw the difference of two signatures (SVG or PNG)')
    .description(
      'Draw signature A minus signature B, per δ and symbol: red where A recalls better, blue where B does, white ' +
        'where they are equal. Symbols are matched by name; δ runs to the smaller of the two maxima.',
    )
    .argument('<a>', 'signature A')
    .argument('<b>', 'signature B')
    .option('--out <file>', '(required) FILE.svg or FILE.png')
    .option('--layer-a <n>', "A's layer (default 1)")
    .option('--layer-b <n>', "B's layer (default 1)")
    .option('--metric <m>', 'accuracy (recall) or bits', 'accuracy')
    .option('--labels <a,b>', "names of A and B (default the models' labels)")
    .option(
      '--limit <x>',
      'end of the colour scale, e.g. 0.5 for ±50 points (default: fitted to the largest difference)',
    )
    .option('--scale <x>', 'PNG pixels per SVG px (default 3)')
    .action(async (pathA: string, pathB: string, raw: RawDiffFlags) => {
      const out = requireOut(raw.out, 'FILE.svg or FILE.png');
      const format = figureFormat(out);
      const metric = parseChoice('--metric', raw.metric ?? 'accuracy', METRICS);
      const layerA = parseLayer('--layer-a', raw.layerA);
      const layerB = parseLayer('--layer-b', raw.layerB);
      const scale = parseScale(raw.scale);
      let limit: number | undefined;
      if (raw.limit !== undefined) {
        limit = parseNumber('--limit', raw.limit, 'a number > 0');
        if (!(limit > 0)) throw new UsageError(`--limit must be a number > 0 (got ${JSON.stringify(raw.limit)})`);
      }
      const [a, b] = await readSignatures([pathA, pathB]);
      if (layerA !== undefined) findLayer(a!, layerA, pathA);
      if (layerB !== undefined) findLayer(b!, layerB, pathB);
      const [labelA, labelB] = resolveLabels(raw.labels, [a!, b!], [pathA, pathB]);
      const svg = renderFor(`${pathA} vs ${pathB}`, () =>
        renderDiffSvg(a!, b!, { layerA, layerB, metric, labelA, labelB, limit }),
      );
      await writeFigure(ctx.io, out, svg, format, scale);
      if (metric === 'accuracy') {
        const la = findLayer(a!, layerA ?? defaultLayer(a!), pathA);
        const lb = findLayer(b!, layerB ?? defaultLayer(b!), pathB);
        writeLine(ctx.io.stdout, differingLine(la, lb, alignSignatures(a!, b!)));
      }
    });
}

/** "37 of 290 cells (δ, symbol) differ beyond chance: A recalls better in 30, B in 7 (…)". */
function differingLine(a: LayerSignature, b: LayerSignature, align: ReturnType<typeof alignSignatures>): string {
  const n = countDifferingCells(a, b, align);
  return (
    `${n.significant} of ${n.tested} cells (δ, symbol) differ beyond chance: A recalls better in ${n.aBetter}, ` +
    `B in ${n.bBetter} (two-proportion tests, Benjamini-Hochberg false-discovery rate ${100 * n.q}%)`
  );
}
