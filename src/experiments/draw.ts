// The figures of an experiment, drawn from its signatures with the same code as `memsig render/compare/diff`.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { groupMean, groupSignificance } from '../analysis/seed-groups.js';
import type { LayerSignature, Signature } from '../analysis/signature-types.js';
import { writeFileAtomic } from '../io/atomic.js';
import { validateSignature } from '../io/signature-file.js';
import type { CompareEntry } from '../render/compare.js';
import { renderCompareSvg, renderDiffSvg, renderSignatureSvg } from '../render/index.js';
import { seedGroupLabel } from '../render/seed-label.js';
import type { ExperimentContext } from './context.js';
import type { FigureResult } from './figures.js';

async function load(ctx: Pick<ExperimentContext, 'dir'>, path: string): Promise<Signature> {
  const full = join(ctx.dir, path);
  return validateSignature(JSON.parse(await readFile(full, 'utf8')), full);
}

/**
 * One model's seeds as --model-seeds recorded them (numbers.modelSeeds: perSeed[].name and seed), read from their
 * signatures: their layer 1 each, and the mean over them as a figure entry. Null without several seeds.
 */
async function seedGroup(
  ctx: Pick<ExperimentContext, 'dir'>,
  recorded: unknown,
  label: string,
): Promise<{ entry: CompareEntry; layers: LayerSignature[] } | null> {
  const perSeed = (recorded as { perSeed?: { name: string; seed: number }[] } | undefined)?.perSeed;
  if (!perSeed || perSeed.length < 2) return null;
  const paths = perSeed.map((r) => `signatures/${r.name}.json`);
  const signatures = await Promise.all(paths.map((p) => load(ctx, p)));
  const group = { paths, signatures };
  const mean = groupMean(
    group,
    1,
    perSeed.map((r) => r.seed),
  );
  return {
    entry: { sig: mean, label: seedGroupLabel(label, perSeed.length), layer: 1 },
    layers: signatures.map((s) => s.layers.find((l) => l.layer === 1)!),
  };
}

/** Writes the experiment's SVG figures into its folder; returns their file names. */
export async function drawFigures(ctx: Pick<ExperimentContext, 'dir'>, result: FigureResult): Promise<string[]> {
  const written: string[] = [];
  const write = async (name: string, svg: string) => {
    await writeFileAtomic(join(ctx.dir, name), svg);
    written.push(name);
  };
  const entries = await Promise.all(
    result.panels.map(async (p) => ({ sig: await load(ctx, p.signature), label: p.label, layer: p.layer })),
  );
  const first = entries[0]!;
  if (result.figure === 'fig1') {
    await write(
      'fig1-signature.svg',
      renderSignatureSvg(first.sig, { layer: 1, kind: 'signature', label: first.label }),
    );
    await write('fig1-marginal.svg', renderSignatureSvg(first.sig, { layer: 1, kind: 'marginal' }));
    const control = entries[1];
    if (control) {
      // Our addition: the trained GRU against the same GRU with random weights.
      const title = 'A 1-layer GRU on Shakespeare, trained and with random weights';
      await write('fig1-control-marginal.svg', renderCompareSvg(entries, { kind: 'marginal', title }));
      await write(
        'fig1-control-diff.svg',
        renderDiffSvg(first.sig, control.sig, { labelA: 'trained GRU', labelB: 'random weights' }),
      );
    }
    const seeds = await seedGroup(ctx, result.numbers.modelSeeds, 'GRU');
    if (seeds) {
      const title = 'A 1-layer GRU on Shakespeare: mean and spread over its model seeds';
      await write('fig1-seeds-marginal.svg', renderCompareSvg([seeds.entry], { kind: 'marginal', title }));
    }
    return written;
  }
  if (result.figure === 'fig7') {
    // Figure 7's three panels on the paper's purple scale; then the marginal recall of every layer read (the features
    // control, each encoder layer, the decoder's query) and the control's own signature.
    const sig = first.sig;
    await write(
      'fig7-signatures.svg',
      renderCompareSvg(entries, { kind: 'signature', palette: 'purple', title: result.title }),
    );
    const layers = ((result.numbers.marginalPanels ?? []) as { label: string; layer: number }[]).map((p) => ({
      sig,
      label: p.label,
      layer: p.layer,
    }));
    if (layers.length > 0) {
      await write(
        'fig7-marginal.svg',
        renderCompareSvg(layers, { kind: 'marginal', title: 'Marginal recall of every layer of the recognizer' }),
      );
    }
    const control = sig.layers.find((l) => l.speech?.role === 'features');
    if (control) {
      await write(
        'fig7-features-control.svg',
        renderSignatureSvg(sig, { layer: control.layer, kind: 'signature', label: 'features control' }),
      );
    }
    return written;
  }
  if (entries.length > 1) {
    await write(
      `${result.figure}-signatures.svg`,
      renderCompareSvg(entries, { kind: 'signature', title: result.title }),
    );
    await write(`${result.figure}-marginal.svg`, renderCompareSvg(entries, { kind: 'marginal', title: result.title }));
  }
  if (result.figure === 'fig2' && result.numbers.modelSeeds) {
    // --model-seeds: the GRU and LSTM of one size, each the mean of its seeds; the cells marked where the groups
    // differ beyond the seeds' spread (Welch's t over seeds, as memsig diff of groups).
    const pair = result.numbers.modelSeeds as { units: number; gru: unknown; lstm: unknown };
    const gru = await seedGroup(ctx, pair.gru, `GRU [1,${pair.units}]`);
    const lstm = await seedGroup(ctx, pair.lstm, `LSTM [1,${pair.units}]`);
    if (gru && lstm) {
      const title = `GRU and LSTM of ${pair.units} units: mean and spread over their model seeds`;
      await write('fig2-seeds-marginal.svg', renderCompareSvg([gru.entry, lstm.entry], { kind: 'marginal', title }));
      const test = groupSignificance(gru.layers, lstm.layers, gru.entry.sig.maxDelta);
      const name = `Welch's t over seeds, ${gru.layers.length} vs ${lstm.layers.length}`;
      await write(
        'fig2-seeds-diff.svg',
        renderDiffSvg(gru.entry.sig, lstm.entry.sig, {
          labelA: gru.entry.label,
          labelB: lstm.entry.label,
          cellTest: { ...test, name },
        }),
      );
    }
  }
  if (result.figure === 'fig5' && entries.length >= 2) {
    const [a, b] = entries;
    await write(
      'fig5-diff.svg',
      renderDiffSvg(a!.sig, b!.sig, { layerA: a!.layer, layerB: b!.layer, labelA: a!.label, labelB: b!.label }),
    );
  }
  return written;
}
