// `memsig diff`: the difference of two signatures as a diverging heatmap (the paper's Figure 5): red where the first
// recalls a symbol better, blue where the second does, aligned on the symbols and δs both have.

import type { Command } from 'commander';
import {
  checkGroups,
  groupMean,
  groupSignificance,
  type MarginalGroupComparison,
  marginalGroupComparison,
} from '../../analysis/seed-groups.js';
import type { LayerSignature, SeedSpread } from '../../analysis/signature-types.js';
import { renderDiffSvg } from '../../render/diff.js';
import { seedGroupLabel } from '../../render/seed-label.js';
import { alignSignatures, countDifferingCells, defaultLayer, findLayer } from '../../render/signature-data.js';
import { pValueClause, pValueText } from '../../render/svg.js';
import { parseChoice, parseNumber, UsageError } from '../args.js';
import { writeLine } from '../io.js';
import type { CommandContext } from './common.js';
import {
  figureFormat,
  groupPaths,
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
        'where they are equal. Symbols are matched by name; δ runs to the smaller of the two maxima.\n' +
        'Two groups (comma-separated, each the same model trained with different seeds and read on the same ' +
        'positions) draw the difference of the group means, and • marks a cell only where it exceeds the spread ' +
        "within the groups (Welch's t-test over seeds, Benjamini-Hochberg; docs/figures.md). The groups need one " +
        "alphabet and one Δ. It then prints, per δ and over δ, each group's marginal accuracy (mean ± sd over its " +
        "seeds) and Welch's test of the difference.",
    )
    .argument('<a>', 'signature A, or a group of seeds of one model: a1.json,a2.json,a3.json')
    .argument('<b>', 'signature B, or a group: b1.json,b2.json,b3.json')
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
      if (pathA.includes(',') || pathB.includes(',')) {
        await drawGroupDiff(ctx, pathA, pathB, {
          out,
          format,
          metric,
          layerA,
          layerB,
          scale,
          limit,
          labels: raw.labels,
        });
        return;
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

interface GroupDiffFlags {
  out: string;
  format: ReturnType<typeof figureFormat>;
  metric: (typeof METRICS)[number];
  layerA: number | undefined;
  layerB: number | undefined;
  scale: ReturnType<typeof parseScale>;
  limit: number | undefined;
  labels: string | undefined;
}

/** `memsig diff a1,a2,a3 b1,b2,b3`: the difference of the group means, cells marked against the seed spread. */
async function drawGroupDiff(ctx: CommandContext, listA: string, listB: string, f: GroupDiffFlags): Promise<void> {
  const pathsA = groupPaths(listA, 'A');
  const pathsB = groupPaths(listB, 'B');
  const a = { paths: pathsA, signatures: await readSignatures(pathsA) };
  const b = { paths: pathsB, signatures: await readSignatures(pathsB) };
  checkGroups(a, b);
  const layerA = f.layerA ?? defaultLayer(a.signatures[0]!);
  const layerB = f.layerB ?? defaultLayer(b.signatures[0]!);
  const meanA = groupMean(
    a,
    layerA,
    pathsA.map((_, i) => i + 1),
  );
  const meanB = groupMean(
    b,
    layerB,
    pathsB.map((_, i) => i + 1),
  );
  const layersOf = (g: typeof a, layer: number) => g.signatures.map((s, i) => findLayer(s, layer, g.paths[i]));
  const test = groupSignificance(layersOf(a, layerA), layersOf(b, layerB), meanA.maxDelta);
  const name = `Welch's t over seeds, ${pathsA.length} vs ${pathsB.length}`;
  const [labelA, labelB] = resolveLabels(f.labels, [meanA, meanB], [pathsA[0]!, pathsB[0]!]).map((label, i) =>
    seedGroupLabel(label, [pathsA, pathsB][i]!.length),
  );
  const svg = renderFor(`${listA} vs ${listB}`, () =>
    renderDiffSvg(meanA, meanB, {
      layerA,
      layerB,
      metric: f.metric,
      labelA,
      labelB,
      limit: f.limit,
      cellTest: { ...test, name },
    }),
  );
  await writeFigure(ctx.io, f.out, svg, f.format, f.scale);
  if (f.metric !== 'accuracy') return;
  let aBetter = 0;
  let bBetter = 0;
  test.cells.forEach((row, r) => {
    row.forEach((cell, s) => {
      if (!cell?.significant) return;
      const ra = meanA.layers[0]!.deltas[r]!.recall[s] ?? 0;
      const rb = meanB.layers[0]!.deltas[r]!.recall[s] ?? 0;
      if (ra > rb) aBetter++;
      else bBetter++;
    });
  });
  writeLine(
    ctx.io.stdout,
    `${aBetter + bBetter} of ${test.tested} cells (δ, symbol) differ beyond the spread of the seeds: A recalls better ` +
      `in ${aBetter}, B in ${bBetter} (${name}, Benjamini-Hochberg false-discovery rate ${100 * test.q}%)`,
  );
  const marginal = marginalGroupComparison(layersOf(a, layerA), layersOf(b, layerB), meanA.maxDelta);
  for (const line of marginalComparisonLines(marginal)) writeLine(ctx.io.stdout, line);
}

/** The marginal accuracy of two groups per δ and over δ, as the table under `memsig diff` of groups. */
export function marginalComparisonLines(m: ReturnType<typeof marginalGroupComparison>): string[] {
  const pct = (x: number) => (100 * x).toFixed(2);
  const spread = (x: SeedSpread) => `${pct(x.mean)} ± ${pct(x.sd)}`;
  const points = (x: number) => `${x >= 0 ? '+' : '−'}${pct(Math.abs(x))}`;
  const mark = (c: MarginalGroupComparison) => (c.significant ? ' •' : '');
  const lines = [
    `marginal accuracy (%) by δ, mean ± sd over seeds; A − B in points; p: Welch's t over seeds, • beyond the ` +
      `seeds' spread (Benjamini-Hochberg ${100 * m.q}% over the δ)`,
    `${'δ'.padStart(4)}${'A'.padStart(16)}${'B'.padStart(16)}${'A − B'.padStart(9)}${'p'.padStart(9)}`,
  ];
  m.perDelta.forEach((c, i) => {
    lines.push(
      `${String(i + 1).padStart(4)}${spread(c.a).padStart(16)}${spread(c.b).padStart(16)}` +
        `${points(c.difference).padStart(9)}${pValueText(c.pValue).padStart(9)}${mark(c)}`,
    );
  });
  const o = m.overDelta;
  lines.push(
    `mean over δ: A ${spread(o.a)}%, B ${spread(o.b)}%; A − B ${points(o.difference)} points, ${pValueClause(o.pValue)}` +
      `${o.significant ? ` (beyond the seeds' spread at ${100 * m.q}%)` : ` (within the seeds' spread at ${100 * m.q}%)`}`,
  );
  return lines;
}
