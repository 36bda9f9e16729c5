// The facts under the figure: what model and corpus a signature is of, and its per-δ numbers (accuracy with its
// interval, chance, p-value, bits, the decoder's keep probability) for the layer shown.

import type { Signature } from '../../analysis/signature-types.js';
import { isNotConverged, NOT_CONVERGED_MARK } from '../../render/convergence-marks.js';
import { clear, htmlEl } from './dom.js';
import { displaySymbol, formatCount, formatPercent, formatPValue } from './format.js';

function basename(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

function facts(sig: Signature, file: string): HTMLElement {
  const m = sig.model;
  const parts = [
    `${m.cell ? m.cell.toUpperCase() : m.kind}, ${m.layers} × ${m.units} units${m.embed ? `, embedding ${m.embed}` : ''}`,
    `state ${sig.state}`,
    `corpus ${basename(sig.corpus.source)} (${sig.corpus.segmentation === 'none' ? 'streams' : `${sig.corpus.segmentation}s`}, ${formatCount(sig.corpus.symbols.eval)} eval symbols)`,
    `δ = 1…${sig.maxDelta}`,
    `${sig.alphabet.length} symbols`,
    `file ${file}`,
  ];
  return htmlEl('p', { class: 'facts' }, htmlEl('strong', {}, m.label), ` — ${parts.join(' · ')}`);
}

function deltaTable(sig: Signature, layerIndex: number): HTMLTableElement {
  const layer = sig.layers[layerIndex]!;
  // Version 2 adds each decoder's verdict (version 1 files have none, and no column for it).
  const verdicts = layer.deltas.some((d) => d.convergence !== undefined);
  const head = ['δ', 'accuracy', '95% interval', 'chance', 'p', 'bits', 'keep p', 'eval positions'];
  if (verdicts) head.push('decoder');
  const table = htmlEl(
    'table',
    { class: 'deltas' },
    htmlEl(
      'caption',
      {},
      `Layer ${layer.layer}: decoders ${layer.decoder.hidden.join('×') || 'linear'} hidden (${formatCount(layer.decoder.parameters)} parameters)`,
    ),
    htmlEl('thead', {}, htmlEl('tr', {}, ...head.map((h) => htmlEl('th', { scope: 'col' }, h)))),
  );
  const body = htmlEl('tbody');
  for (const d of layer.deltas) {
    body.append(
      htmlEl(
        'tr',
        {},
        htmlEl('th', { scope: 'row' }, String(d.delta)),
        htmlEl('td', {}, formatPercent(d.accuracy)),
        htmlEl('td', {}, `${formatPercent(d.accuracyInterval.low)} – ${formatPercent(d.accuracyInterval.high)}`),
        htmlEl('td', {}, `${formatPercent(d.chanceAccuracy)} (${displaySymbol(d.chanceSymbol)})`),
        htmlEl('td', {}, formatPValue(d.pValue)),
        htmlEl('td', {}, d.informationBits.toFixed(2)),
        htmlEl('td', {}, d.keepProb.toFixed(1)),
        htmlEl('td', {}, formatCount(d.positions.eval)),
        verdicts &&
          htmlEl(
            'td',
            isNotConverged(d) ? { class: 'not-converged', 'data-converged': 'false' } : {},
            isNotConverged(d) ? `${NOT_CONVERGED_MARK} not converged` : 'converged',
          ),
      ),
    );
  }
  table.append(body);
  return table;
}

/** Facts and the δ table of one signature layer. */
export function renderSignatureDetails(el: HTMLElement, sig: Signature, file: string, layerIndex: number): void {
  clear(el);
  el.append(facts(sig, file), deltaTable(sig, layerIndex));
}

/** Facts of both sides of a comparison. */
export function renderDiffDetails(
  el: HTMLElement,
  a: { sig: Signature; file: string },
  b: { sig: Signature; file: string },
): void {
  clear(el);
  const fa = facts(a.sig, a.file);
  fa.prepend(htmlEl('span', { class: 'side side-a' }, 'A'));
  const fb = facts(b.sig, b.file);
  fb.prepend(htmlEl('span', { class: 'side side-b' }, 'B'));
  el.append(fa, fb);
}
