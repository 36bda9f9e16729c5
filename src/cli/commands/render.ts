// `memsig render`: one figure of a signature file (the memory signature, the forward strip, the marginal recall, or a
// confusion matrix) as SVG or PNG, chosen by the output's extension. Also the helpers that `memsig diff`, `compare`
// and `report` share: output formats, layer flags, labels, and writing the file atomically.

import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Signature } from '../../analysis/signature-types.js';
import { UserError } from '../../core/errors.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { readSignature } from '../../io/signature-file.js';
import type { Palette } from '../../render/colors.js';
import { DEFAULT_PNG_SCALE, renderPng } from '../../render/png.js';
import { findLayer, type Metric } from '../../render/signature-data.js';
import { type FigureKind, renderSignatureSvg } from '../../render/signature-figure.js';
import { parseChoice, parseInteger, parseNumber, parsePath, UsageError } from '../args.js';
import { type CliIo, writeLine } from '../io.js';
import type { CommandContext } from './common.js';

export const FIGURE_KINDS = ['signature', 'forward', 'marginal', 'confusion'] as const satisfies readonly FigureKind[];
export const METRICS = ['accuracy', 'bits'] as const satisfies readonly Metric[];
/** render and report also draw recall above the text-only baseline (one signature's own). */
export const RENDER_METRICS = [...METRICS, 'excess'] as const satisfies readonly Metric[];
export const PALETTES = ['purple', 'green'] as const satisfies readonly Palette[];

export type FigureFormat = 'svg' | 'png';

/** The format an --out path asks for, from its extension. */
export function figureFormat(out: string): FigureFormat {
  const ext = /\.([^./\\]+)$/.exec(out)?.[1]?.toLowerCase();
  if (ext === 'svg' || ext === 'png') return ext;
  throw new UsageError(`--out must end in .svg or .png (got ${JSON.stringify(out)})`);
}

export function requireOut(out: string | undefined, what: string): string {
  if (out === undefined) throw new UsageError(`missing --out (${what})`);
  return parsePath('--out', out);
}

export function parseScale(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PNG_SCALE;
  const what = 'a number > 0 and ≤ 10';
  const n = parseNumber('--scale', raw, what);
  if (!(n > 0 && n <= 10)) throw new UsageError(`--scale must be ${what} (got ${JSON.stringify(raw)})`);
  return n;
}

export function parseLayer(flag: string, raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : parseInteger(flag, raw, 1);
}

/** Reads and validates each signature file (every error names its file). */
export async function readSignatures(paths: readonly string[]): Promise<Signature[]> {
  const out: Signature[] = [];
  for (const path of paths) out.push(await readSignature(parsePath('signature', path)));
  return out;
}

/** The files of a group argument (a1.json,a2.json,a3.json): the seeds of one model. */
export function groupPaths(list: string, name: string): string[] {
  const items = list.split(',').map((x) => x.trim());
  if (items.some((x) => x === ''))
    throw new UsageError(`group ${name} has an empty file name: ${JSON.stringify(list)}`);
  return items;
}

/**
 * One label per signature: --labels split at commas (as many as files), else the model's label, with the file's
 * name added where two different files would otherwise share one.
 */
export function resolveLabels(raw: string | undefined, sigs: readonly Signature[], paths: readonly string[]): string[] {
  if (raw !== undefined) {
    const labels = raw.split(',').map((l) => l.trim());
    if (labels.length !== sigs.length || labels.some((l) => l === '')) {
      throw new UsageError(
        `--labels needs ${sigs.length} non-empty name${sigs.length === 1 ? '' : 's'} separated by commas, one per signature (got ${JSON.stringify(raw)})`,
      );
    }
    return labels;
  }
  const labels = sigs.map((s) => s.model.label);
  // The same file twice (e.g. two layers) keeps its label: the panels name the layer.
  const clash = (i: number) => labels.some((l, j) => j !== i && l === labels[i] && paths[j] !== paths[i]);
  return labels.map((l, i) => (clash(i) ? `${l} (${basename(paths[i]!)})` : l));
}

/** Runs a renderer; a UserError it raises about the signature is prefixed with the file's name. */
export function renderFor<T>(path: string, render: () => T): T {
  try {
    return render();
  } catch (err) {
    if (err instanceof UserError && !(err instanceof UsageError)) throw new UserError(`${path}: ${err.message}`);
    throw err;
  }
}

/** Writes an SVG figure as `format` (rasterized for PNG) atomically and says so on stdout. */
export async function writeFigure(
  io: CliIo,
  out: string,
  svg: string,
  format: FigureFormat,
  scale: number,
): Promise<void> {
  if (format === 'svg') {
    await writeFileAtomic(out, svg);
    const size = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg);
    writeLine(io.stdout, `wrote ${out}${size ? ` (${size[1]} × ${size[2]} px)` : ''}`);
    return;
  }
  const png = renderPng(svg, { scale });
  await writeFileAtomic(out, png);
  // Width and height from the PNG header (IHDR), as written.
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  writeLine(io.stdout, `wrote ${out} (${view.getUint32(16)} × ${view.getUint32(20)} px, ${scale}× scale)`);
}

interface RawRenderFlags {
  out?: string;
  layer?: string;
  kind?: string;
  metric?: string;
  palette?: string;
  delta?: string;
  scale?: string;
  label?: string;
}

export function registerRender(program: Command, ctx: CommandContext): void {
  program
    .command('render')
    .summary('draw a figure of a signature (SVG or PNG)')
    .description(
      'Draw one figure of a signature file: the memory signature (δ × symbol recall, with the language model’s ' +
        'next-symbol accuracy under it), the forward strip alone, the marginal recall per δ and layer, or one ' +
        'decoder’s confusion matrix. The format follows --out’s extension: .svg or .png. See docs/figures.md.',
    )
    .argument('<signature>', 'a signature file (memsig signature --out ...)')
    .option('--out <file>', '(required) FILE.svg or FILE.png')
    .option('--kind <kind>', 'signature, forward, marginal or confusion', 'signature')
    .option('--layer <n>', 'the layer (1 = closest to the input; default 1, for marginal all layers)')
    .option(
      '--metric <m>',
      'accuracy (recall), bits (information) or excess (recall above the text-only baseline); see docs/figures.md',
      'accuracy',
    )
    .option('--palette <p>', "purple (white → dark purple, the paper's) or green (dark → light green)", 'purple')
    .option('--delta <n>', 'the decoder’s δ, for --kind confusion')
    .option('--label <text>', "the model's name in the title (default the signature's model label)")
    .option('--scale <x>', `PNG pixels per SVG px (default ${DEFAULT_PNG_SCALE}, ≈ 300 dpi)`)
    .action(async (path: string, raw: RawRenderFlags) => {
      const out = requireOut(raw.out, 'FILE.svg or FILE.png');
      const format = figureFormat(out);
      const kind = parseChoice('--kind', raw.kind ?? 'signature', FIGURE_KINDS);
      const metric = parseChoice('--metric', raw.metric ?? 'accuracy', RENDER_METRICS);
      const palette = parseChoice('--palette', raw.palette ?? 'purple', PALETTES);
      const layer = parseLayer('--layer', raw.layer);
      const scale = parseScale(raw.scale);
      let delta: number | undefined;
      if (kind === 'confusion') {
        if (raw.delta === undefined) throw new UsageError("--kind confusion needs --delta N (the decoder's δ)");
        delta = parseInteger('--delta', raw.delta, 1);
      } else if (raw.delta !== undefined) {
        throw new UsageError('--delta is only for --kind confusion');
      }
      const [sig] = await readSignatures([path]);
      if (layer !== undefined) findLayer(sig!, layer, path);
      if (delta !== undefined && delta > sig!.maxDelta) {
        throw new UserError(`${path}: no decoder for δ = ${delta} (the signature has δ = 1 to ${sig!.maxDelta})`);
      }
      const svg = renderFor(path, () =>
        renderSignatureSvg(sig!, { kind, metric, palette, layer, delta, label: raw.label }),
      );
      await writeFigure(ctx.io, out, svg, format, scale);
    });
}
