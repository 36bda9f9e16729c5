// A report of one or more signatures as one self-contained HTML file: styles inline, figures as inline SVG, no
// scripts, fonts from the reader's system, no network request of any kind. Per signature: the run's metadata, the
// δ × layer summary table (accuracy with its interval, chance, bits, p-values), and every figure; with two or more
// signatures, their comparison and differences as well. Readable on screen and printable.

import { formatDeltaList, unconvergedDeltas } from '../analysis/convergence.js';
import type { DecoderSettings, Signature } from '../analysis/signature-types.js';
import { UserError } from '../core/errors.js';
import type { Palette } from './colors.js';
import { renderCompareSvg } from './compare.js';
import {
  convergenceWords,
  hasLearningCurves,
  isNotConverged,
  NOT_CONVERGED_COLOR,
  NOT_CONVERGED_MARK,
  NOT_CONVERGED_NOTE,
} from './convergence-marks.js';
import { renderDiffSvg } from './diff.js';
import { stateName } from './layout.js';
import { hasTextBaseline } from './metric.js';
import { seedCountText } from './seed-label.js';
import { renderSignatureSvg } from './signature-figure.js';
import { bitsText, displaySymbol, esc, FONT_STACK, groupDigits, percent, pValueText } from './svg.js';

export interface ReportEntry {
  sig: Signature;
  /** Its name in headings, legends and panel captions. */
  label: string;
}

export interface ReportOptions {
  /** The page title; default "Memory signature report". */
  title?: string;
  /** What made the report, e.g. "memsig 0.1.0" (shown in the footer). */
  generator?: string;
  palette?: Palette;
}

export function renderReportHtml(entries: readonly ReportEntry[], options: ReportOptions = {}): string {
  if (entries.length === 0) throw new RangeError('renderReportHtml needs at least one signature');
  const title = options.title ?? 'Memory signature report';
  const palette = options.palette ?? 'purple';
  const sections = entries.map((e, i) => signatureSection(e, i, palette));
  if (entries.length > 1) sections.push(comparisonSection(entries, palette));
  const nav = entries
    .map((e, i) => `<li><a href="#sig-${i + 1}">${i + 1}. ${esc(e.label)}</a></li>`)
    .concat(entries.length > 1 ? ['<li><a href="#comparison">Comparison</a></li>'] : [])
    .join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}${entries.some((e) => e.sig.layers.some((l) => hasLearningCurves(l.deltas))) ? `\n${CONVERGENCE_STYLE}` : ''}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${esc(title)}</h1>`,
    `<p class="lede">${entries.length === 1 ? 'One signature' : `${entries.length} signatures`}: what decoders recover ` +
      'from each layer’s recurrent state about the input δ steps back. Hover over a cell of a figure for its numbers.</p>',
    `<nav><ol>${nav}</ol></nav>`,
    '</header>',
    ...sections,
    `<footer>${options.generator ? `Made by ${esc(options.generator)}. ` : ''}Colours: white is 0% recall, dark ` +
      'purple 100%; in differences red means the first signature (A) recalls better, blue the second (B). ' +
      'Bits: see docs/figures.md.</footer>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const STYLE = `
:root { color-scheme: light; }
body { font-family: ${FONT_STACK}; color: #222; background: #fff; margin: 0 auto; padding: 1.5rem 2rem 3rem;
  max-width: 72rem; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.6rem; margin: 0 0 .4rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.lede { color: #555; margin: 0 0 .6rem; }
nav ol { margin: .2rem 0 0; padding-left: 1.4rem; }
a { color: #4a2b8c; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: 13px; }
th, td { padding: .18rem .6rem; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
th { background: #f6f5fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.meta th { width: 12rem; background: none; color: #555; font-weight: 500; }
code { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12.5px; }
figure { margin: .8rem 0 1.4rem; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; color: #555; margin-top: .2rem; max-width: 60rem; }
.note { color: #8a4b00; font-size: 13px; }
.muted, .ci { color: #777; }
footer { margin-top: 3rem; color: #666; font-size: 12.5px; border-top: 1px solid #ddd; padding-top: .6rem; }
@media print {
  body { padding: 0; max-width: none; font-size: 11pt; }
  nav { display: none; }
  section + section { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
}
`.trim();

// Only in reports of version-2 signatures, so that a report of version-1 files stays as it was, byte for byte.
const CONVERGENCE_STYLE = `.mark { color: ${NOT_CONVERGED_COLOR}; font-weight: 700; }`;

// Figures are drawn at paper size (1 SVG px = 1 pt); on screen they may grow to 1.5× that, and shrink to the page.
function figure(svg: string, caption: string): string {
  const width = Number(/^<svg[^>]* width="(\d+)"/.exec(svg.trim())?.[1] ?? 600);
  return (
    `<figure style="max-width: ${Math.round(width * 1.5)}px">\n${svg.trim()}\n` +
    `<figcaption>${esc(caption)}</figcaption>\n</figure>`
  );
}

function row(name: string, value: string): string {
  return `<tr><th scope="row">${esc(name)}</th><td>${value}</td></tr>`;
}

function shortHash(hash: string | null): string {
  return hash === null ? 'n/a' : `<code title="${esc(hash)}">${esc(hash.slice(0, 16))}…</code>`;
}

function signatureSection(e: ReportEntry, i: number, palette: Palette): string {
  const { sig } = e;
  const m = sig.model;
  const c = sig.corpus;
  const s = sig.settings;
  const details = Object.entries(m.details)
    .map(([k, v]) => `${esc(k)} = ${esc(String(v))}`)
    .join(', ');
  const meta = [
    row('model', `${esc(m.label)} <span class="muted">(${esc(m.kind)}${m.cell ? `, ${esc(m.cell)}` : ''})</span>`),
    row(
      'size',
      `${m.layers} layer${m.layers === 1 ? '' : 's'} × ${m.units} units${m.embed === null ? '' : `, embedding ${m.embed}`}`,
    ),
    ...(details ? [row('model details', details)] : []),
    row('weights sha256', shortHash(m.weightsSha256)),
    row(
      'corpus',
      `<code>${esc(c.source)}</code>${c.maxChars === null ? '' : ` (last ${groupDigits(c.maxChars)} characters)`}`,
    ),
    row('corpus sha256', shortHash(c.sha256)),
    row(
      'split',
      // Streams (segmentation none) are split into contiguous blocks of symbols, with no seed.
      (c.segmentation === 'none'
        ? `train ${c.split.train} / dev ${c.split.dev} / eval ${c.split.eval} in contiguous blocks (one stream per file); `
        : `train ${c.split.train} / dev ${c.split.dev} / eval ${c.split.eval} by ${esc(c.segmentation)} (seed ${c.split.seed}); `) +
        `${groupDigits(c.symbols.train)} / ${groupDigits(c.symbols.dev)} / ${groupDigits(c.symbols.eval)} symbols`,
    ),
    row('alphabet', `${sig.alphabet.length} symbols: <code>${esc(sig.alphabet.map(displaySymbol).join(''))}</code>`),
    row('state analysed', esc(stateName(sig.state))),
    row('δ', `1 to ${sig.maxDelta}`),
    row(
      'positions',
      `${groupDigits(s.trainPositions)} train / ${groupDigits(s.devPositions)} dev / ${groupDigits(s.evalPositions)} eval sampled`,
    ),
    row('decoders', decoderSettingsText(s)),
    ...(sig.forward
      ? [
          row(
            'language model',
            `next-symbol accuracy ${percent(sig.forward.accuracy)}, perplexity ${sig.forward.perplexity.toFixed(3)} (eval)`,
          ),
        ]
      : []),
    row('made by', esc(sig.generator)),
  ];
  const decoders = sig.layers
    .map(
      (l) =>
        `<tr><td class="num">${l.layer}</td><td class="num">${l.stateSize}</td><td>${esc(l.decoder.hidden.join(' × ') || 'none')}</td>` +
        `<td class="num">${groupDigits(l.decoder.parameters)}</td><td>${esc(l.decoder.rule)}</td>` +
        `<td>${l.deltas.map((d) => d.keepProb).join(', ')}</td><td>${l.deltas.map((d) => d.epochs).join(', ')}</td></tr>`,
    )
    .join('\n');
  const figures: string[] = [];
  for (const l of sig.layers) {
    figures.push(
      figure(
        renderSignatureSvg(sig, { layer: l.layer, kind: 'signature', palette, label: e.label, standalone: false }),
        `Memory signature of layer ${l.layer}: recall of each symbol δ steps back (white 0%, darkest 100%)` +
          (sig.forward ? '; under it, the language model’s own next-symbol accuracy per symbol.' : '.'),
      ),
    );
  }
  if (sig.forward && sig.layers.length === 0) {
    figures.push(figure(renderSignatureSvg(sig, { kind: 'forward', palette, label: e.label, standalone: false }), ''));
  }
  figures.push(
    figure(
      renderSignatureSvg(sig, { kind: 'marginal', palette, label: e.label, standalone: false }),
      'Marginal recall: accuracy over all symbols per δ and layer, with 95% Wilson intervals; dashed: chance (always guessing the most frequent symbol).',
    ),
    figure(
      renderSignatureSvg(sig, { kind: 'marginal', metric: 'bits', palette, label: e.label, standalone: false }),
      'Information recovered per δ and layer (prior entropy minus the decoder’s cross-entropy, bits per symbol); dashed: the prior entropy.',
    ),
  );
  if (hasTextBaseline(sig.layers)) figures.push(...excessFigures(sig, e.label, palette));
  for (const l of sig.layers) {
    figures.push(
      figure(
        renderSignatureSvg(sig, {
          layer: l.layer,
          kind: 'signature',
          metric: 'bits',
          palette,
          label: e.label,
          standalone: false,
        }),
        `Information per symbol, layer ${l.layer}: how much the decoder’s guesses depend on whether the symbol δ back was this one (bits; docs/figures.md).`,
      ),
    );
  }
  return [
    `<section id="sig-${i + 1}">`,
    `<h2>${i + 1}. ${esc(e.label)}</h2>`,
    '<h3>Run</h3>',
    `<table class="meta">${meta.join('\n')}</table>`,
    '<h3>Summary</h3>',
    summaryTable(sig),
    ...convergenceSection(sig),
    '<h3>Decoders</h3>',
    '<table class="decoders"><thead><tr><th class="num">layer</th><th class="num">state size</th><th>hidden</th>' +
      '<th class="num">parameters</th><th>size rule</th><th>keep probability chosen (δ = 1…)</th><th>epochs (δ = 1…)</th></tr></thead>' +
      `<tbody>${decoders}</tbody></table>`,
    '<h3>Figures</h3>',
    ...figures,
    '</section>',
  ].join('\n');
}

/** The figures of recall above the text-only baseline (--metric excess): the marginal one, then one per layer. */
function excessFigures(sig: Signature, label: string, palette: Palette): string[] {
  const draw = (layer?: number) =>
    renderSignatureSvg(sig, {
      kind: layer === undefined ? 'marginal' : 'signature',
      layer,
      metric: 'excess',
      palette,
      label,
      standalone: false,
    });
  return [
    figure(
      draw(),
      'Recall above what the text alone explains: per δ and layer, accuracy minus that of the best guess from the symbols read after the one δ back (a count model of the reversed train text, on the same positions); dashed in the chart: that text-only accuracy (docs/figures.md).',
    ),
    ...sig.layers.map((l) =>
      figure(
        draw(l.layer),
        `Recall above the text alone, layer ${l.layer}: each symbol’s recall minus the text-only baseline’s (white where the text names it as often or more).`,
      ),
    ),
  ];
}

/**
 * δ rows × layer column groups: accuracy with its 95% interval, information bits, p-value; chance per δ, and the
 * text-only baseline's accuracy where the signature has one.
 */
export function summaryTable(sig: Signature): string {
  const text = hasTextBaseline(sig.layers);
  const head1 =
    '<tr><th rowspan="2" class="num">δ</th><th rowspan="2" class="num">chance</th>' +
    (text ? '<th rowspan="2" class="num">text alone</th>' : '') +
    sig.layers.map((l) => `<th colspan="3">layer ${l.layer}</th>`).join('') +
    '<th rowspan="2" class="num">eval positions</th></tr>';
  // --decoder-seeds: accuracy is then the mean over the seeds, shown with their sample sd.
  const seeds = sig.layers.find((l) => l.deltas.some((d) => d.seeds))?.deltas.find((d) => d.seeds)?.seeds;
  const accuracyHead = seeds
    ? `accuracy, mean ± sd over ${seedCountText(seeds)} (95% interval)`
    : 'accuracy (95% interval)';
  const head2 = `<tr>${sig.layers.map(() => `<th class="num">${accuracyHead}</th><th class="num">bits</th><th class="num">p</th>`).join('')}</tr>`;
  const rows: string[] = [];
  for (let i = 0; i < sig.maxDelta; i++) {
    const first = sig.layers[0]?.deltas[i];
    const cells = sig.layers.map((l) => {
      const d = l.deltas[i]!;
      const mark = isNotConverged(d);
      return (
        `<td class="num" data-layer="${l.layer}" data-delta="${d.delta}"${mark ? ' data-converged="false"' : ''}>` +
        `${percent(d.accuracy)}${d.seeds ? ` <span class="seed-sd">± ${(100 * d.seeds.accuracySpread.sd).toFixed(1)} pp</span>` : ''}` +
        `${mark ? `<span class="mark">${NOT_CONVERGED_MARK}</span>` : ''} ` +
        `<span class="ci">(${percent(d.accuracyInterval.low)}–${percent(d.accuracyInterval.high)})</span></td>` +
        `<td class="num">${bitsText(d.informationBits)}</td><td class="num">${esc(pValueText(d.pValue))}</td>`
      );
    });
    rows.push(
      `<tr><td class="num">${i + 1}</td><td class="num">${first ? `${percent(first.chanceAccuracy)} (${esc(displaySymbol(first.chanceSymbol))})` : ''}</td>` +
        (text
          ? `<td class="num text-baseline">${first?.textBaseline ? percent(first.textBaseline.accuracy) : ''}</td>`
          : '') +
        `${cells.join('')}<td class="num">${first ? groupDigits(first.positions.eval) : ''}</td></tr>`,
    );
  }
  const table = `<table class="summary"><thead>${head1}${head2}</thead><tbody>${rows.join('\n')}</tbody></table>`;
  if (!sig.layers.some((l) => l.deltas.some(isNotConverged))) return table;
  return `${table}\n<p class="muted"><span class="mark">${NOT_CONVERGED_MARK}</span> ${esc(NOT_CONVERGED_NOTE)} (see Convergence).</p>`;
}

/** "1 epoch", "3 epochs". */
function epochs(n: number): string {
  return `${n} epoch${n === 1 ? '' : 's'}`;
}

/**
 * How the decoders were trained. Version 2 adds the schedule (docs/signature.schema.json): the successive-halving
 * sweep, the half-data stage and the learning-rate decay on plateaus; each part is said only when the file has it.
 */
export function decoderSettingsText(s: DecoderSettings): string {
  const hidden = `hidden ${s.hidden === null ? 'by the paper’s rule (≥ the layer’s kernel + input projection parameters)' : esc(s.hidden.join('×'))}`;
  const tail = `batch ${s.batch}, learning rate ${s.lr}, seed ${s.seed}`;
  if (s.sweepEpochs === undefined && s.lrDecay === undefined) {
    return `${hidden}; keep probabilities ${s.keepProbs.join(', ')} swept; up to ${s.maxEpochs} epochs, patience ${s.patience}, ${tail}`;
  }
  const parts = [s.whiten ? `${hidden}, reading the whitened standardized state` : hidden];
  if (s.sweepEpochs !== undefined && s.finalists !== undefined) {
    parts.push(
      `keep probabilities ${s.keepProbs.join(', ')} swept by successive halving: each trains ${epochs(s.sweepEpochs)}, ` +
        `then the best ${s.finalists === 1 ? '' : `${s.finalists} `}by mean dev accuracy ${s.finalists === 1 ? 'trains' : 'train'} on`,
    );
  } else {
    parts.push(`keep probabilities ${s.keepProbs.join(', ')} swept`);
  }
  if (s.halfStage !== undefined) {
    parts.push(
      s.halfStage
        ? 'first on a random half of the train positions, then on all of them'
        : 'on all the train positions (no half-data stage)',
    );
  }
  const plateau =
    `each stage until its dev accuracy plateaus (no rise of ${s.minImprovement === undefined ? 'any size' : `${+(100 * s.minImprovement).toFixed(3)} point`} ` +
    `in ${epochs(s.patience)})` +
    (s.lrDecay !== undefined && s.decays !== undefined
      ? `, the learning rate × ${s.lrDecay} at a plateau, up to ${s.decays} time${s.decays === 1 ? '' : 's'}, the next plateau ending it`
      : '') +
    `; at most ${epochs(s.maxEpochs)} a stage`;
  parts.push(plateau, tail);
  if (s.convergenceTolerance !== undefined) {
    parts.push(
      `a decoder is not converged when more data or epochs would still raise its dev accuracy by more than ` +
        `${+(100 * s.convergenceTolerance).toFixed(3)} points`,
    );
  }
  return parts.join('; ');
}

/** Version 2: per layer, the δ whose decoders are not converged, and what their learning curves say. */
function convergenceSection(sig: Signature): string[] {
  if (!sig.layers.some((l) => hasLearningCurves(l.deltas))) return [];
  const lines = sig.layers.map((l) => {
    const deltas = unconvergedDeltas(l);
    const text =
      deltas.length === 0
        ? `Layer ${l.layer}: every decoder converged.`
        : `Layer ${l.layer}: the decoder${deltas.length === 1 ? '' : 's'} of δ = ${formatDeltaList(deltas)} ` +
          `${deltas.length === 1 ? 'is' : 'are'} not converged: more data or epochs would still raise ` +
          `${deltas.length === 1 ? 'its' : 'their'} accuracy, so ${deltas.length === 1 ? 'it understates' : 'they understate'} what the state holds.`;
    return `<li data-layer="${l.layer}" data-not-converged="${deltas.join(' ')}">${esc(text)}</li>`;
  });
  const rows = sig.layers.flatMap((l) =>
    l.deltas.filter(isNotConverged).map((d) => {
      const c = d.convergence!;
      const words = convergenceWords(c);
      const stage = (n: number, end: string | null) => (n === 0 ? 'none' : `${epochs(n)}${end ? `, ${end}` : ''}`);
      return (
        `<tr data-layer="${l.layer}" data-delta="${d.delta}"><td class="num">${l.layer}</td><td class="num">${d.delta}</td>` +
        `<td class="num">${percent(d.devAccuracy)}</td><td>${esc(words.data)}</td><td>${esc(words.epochs)}</td>` +
        `<td>half: ${stage(c.curve.half.length, c.curve.halfEnd)}; all: ${stage(c.curve.full.length, c.curve.fullEnd)}</td></tr>`
      );
    }),
  );
  const out = ['<h3>Convergence</h3>', `<ul class="convergence">${lines.join('\n')}</ul>`];
  if (rows.length > 0) {
    out.push(
      '<table class="convergence"><thead><tr><th class="num">layer</th><th class="num">δ</th><th class="num">dev accuracy</th>' +
        '<th>gain from the last doubling of the data (± 2 s.e.)</th><th>gain over the last half of the epochs</th>' +
        `<th>stages (epochs, how each ended)</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`,
    );
  }
  return out;
}

function comparisonSection(entries: readonly ReportEntry[], palette: Palette): string {
  const panels = entries.flatMap((e) => e.sig.layers.map((l) => ({ sig: e.sig, label: e.label, layer: l.layer })));
  const parts: string[] = ['<section id="comparison">', '<h2>Comparison</h2>'];
  parts.push(
    figure(
      renderCompareSvg(panels, { kind: 'signature', palette, standalone: false }),
      'Every layer of every signature on one colour scale.',
    ),
    figure(
      renderCompareSvg(panels, { kind: 'marginal', palette, standalone: false }),
      'Marginal recall of every layer of every signature: one line each; dashed: chance.',
    ),
  );
  parts.push('<h3>Differences</h3>');
  const [a, ...others] = entries;
  for (const b of others) {
    const layers = a!.sig.layers.map((l) => l.layer).filter((l) => b.sig.layers.some((m) => m.layer === l));
    const pairs =
      layers.length > 0 ? layers.map((l) => [l, l]) : [[a!.sig.layers[0]?.layer ?? 1, b.sig.layers[0]?.layer ?? 1]];
    for (const [la, lb] of pairs) {
      try {
        parts.push(
          figure(
            renderDiffSvg(a!.sig, b.sig, {
              layerA: la,
              layerB: lb,
              labelA: a!.label,
              labelB: b.label,
              standalone: false,
            }),
            `A = ${a!.label} (layer ${la}), B = ${b.label} (layer ${lb}): red where A recalls a symbol better, blue where B does.`,
          ),
        );
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        parts.push(`<p class="note">${esc(a!.label)} and ${esc(b.label)} cannot be compared: ${esc(err.message)}.</p>`);
      }
    }
  }
  parts.push('</section>');
  return parts.join('\n');
}
