// The figures of an experiment, drawn from its signatures with the same code as `memsig render/compare/diff`.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signature } from '../analysis/signature-types.js';
import { writeFileAtomic } from '../io/atomic.js';
import { validateSignature } from '../io/signature-file.js';
import { renderCompareSvg, renderDiffSvg, renderSignatureSvg } from '../render/index.js';
import type { ExperimentContext } from './context.js';
import type { FigureResult } from './figures.js';

async function load(ctx: ExperimentContext, path: string): Promise<Signature> {
  const full = join(ctx.dir, path);
  return validateSignature(JSON.parse(await readFile(full, 'utf8')), full);
}

/** Writes the experiment's SVG figures into its folder; returns their file names. */
export async function drawFigures(ctx: ExperimentContext, result: FigureResult): Promise<string[]> {
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
  if (result.figure === 'fig5' && entries.length >= 2) {
    const [a, b] = entries;
    await write(
      'fig5-diff.svg',
      renderDiffSvg(a!.sig, b!.sig, { layerA: a!.layer, layerB: b!.layer, labelA: a!.label, labelB: b!.label }),
    );
  }
  return written;
}
