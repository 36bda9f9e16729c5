// The facts under the figure: what model and corpus a signature is of, and its per-δ numbers (accuracy with its
// interval, chance, p-value, bits, the decoder's keep probability) for the layer shown.

import type { Signature } from '../../analysis/signature-types.js';
import { isNotConverged, NOT_CONVERGED_MARK } from '../../render/convergence-marks.js';
import { capacityName } from './describe.js';
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
  // --decoder-seeds and --mdl: a column each, only when the layer has them.
  const seeds = layer.deltas.find((d) => d.seeds)?.seeds;
  const code = layer.deltas.some((d) => d.onlineCode);
  if (seeds) head.push(`sd over ${seeds.seeds.length} seeds`);
  if (code) head.push('online code (bits/position)');
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
        seeds &&
          htmlEl('td', { class: 'seed-sd' }, d.seeds ? `± ${(100 * d.seeds.accuracySpread.sd).toFixed(1)} pp` : '—'),
        code &&
          htmlEl(
            'td',
            { class: 'online-code' },
            d.onlineCode ? `${d.onlineCode.bitsPerPosition.toFixed(3)} (${d.onlineCode.compression.toFixed(2)}×)` : '—',
          ),
      ),
    );
  }
  table.append(body);
  return table;
}

/** --capacity-sweep: one row per decoder size (by parameter count), its eval accuracy per δ; the front in bold. */
function capacityTable(sig: Signature, layerIndex: number): HTMLTableElement | null {
  const layer = sig.layers[layerIndex]!;
  if (!layer.capacity?.length) return null;
  const table = htmlEl(
    'table',
    { class: 'deltas capacity' },
    htmlEl(
      'caption',
      {},
      `Layer ${layer.layer}: eval accuracy by decoder size (capacity sweep; bold: no smaller decoder is as accurate)`,
    ),
    htmlEl(
      'thead',
      {},
      htmlEl(
        'tr',
        {},
        ...['decoder', 'hidden', 'parameters', ...layer.deltas.map((d) => `δ ${d.delta}`)].map((h) =>
          htmlEl('th', { scope: 'col' }, h),
        ),
      ),
    ),
  );
  const body = htmlEl('tbody');
  for (const p of layer.capacity) {
    body.append(
      htmlEl(
        'tr',
        { 'data-factor': String(p.factor) },
        htmlEl('th', { scope: 'row' }, capacityName(p.factor)),
        htmlEl('td', {}, p.hidden.join('×') || '—'),
        htmlEl('td', {}, formatCount(p.parameters)),
        ...p.deltas.map((x) => htmlEl('td', x.front ? { class: 'front' } : {}, formatPercent(x.accuracy))),
      ),
    );
  }
  table.append(body);
  return table;
}

/** Facts, the δ table and (with --capacity-sweep) the capacity table of one signature layer. */
export function renderSignatureDetails(el: HTMLElement, sig: Signature, file: string, layerIndex: number): void {
  clear(el);
  el.append(facts(sig, file), deltaTable(sig, layerIndex));
  const capacity = capacityTable(sig, layerIndex);
  if (capacity) el.append(capacity);
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
