// The controls in the page header (mode, signature, layer, metric, palette, the two sides of a comparison): native
// selects and radio buttons, so the keyboard works as everywhere. They report choices; sync() shows the state.

import type { Palette } from './color.js';
import { byId, htmlEl } from './dom.js';
import type { Metric } from './grid.js';
import { fitLayer, hasBaseline, hasCurves, type Loaded, loadedLabel, type ViewState } from './state.js';

export type Change = (next: (s: ViewState) => ViewState) => void;

function radios(name: string): HTMLInputElement[] {
  return [...document.querySelectorAll<HTMLInputElement>(`input[type=radio][name="${name}"]`)];
}

function fillSignatures(select: HTMLSelectElement, loaded: readonly Loaded[]): void {
  select.replaceChildren(...loaded.map((entry, i) => htmlEl('option', { value: i }, loadedLabel(entry))));
}

function fillLayers(select: HTMLSelectElement, entry: Loaded): void {
  const wanted = entry.sig.layers.map((l) => `layer ${l.layer}`);
  const have = [...select.options].map((o) => o.text);
  if (wanted.join('\n') === have.join('\n')) return;
  select.replaceChildren(...wanted.map((text, i) => htmlEl('option', { value: i }, text)));
}

export class Controls {
  private readonly sig = byId<HTMLSelectElement>('sig-select');
  private readonly layer = byId<HTMLSelectElement>('layer-select');
  private readonly aSig = byId<HTMLSelectElement>('diff-a-sig');
  private readonly aLayer = byId<HTMLSelectElement>('diff-a-layer');
  private readonly bSig = byId<HTMLSelectElement>('diff-b-sig');
  private readonly bLayer = byId<HTMLSelectElement>('diff-b-layer');
  private readonly curve = byId<HTMLButtonElement>('curve-toggle');

  constructor(
    private readonly loaded: readonly Loaded[],
    change: Change,
  ) {
    for (const select of [this.sig, this.aSig, this.bSig]) fillSignatures(select, loaded);
    byId<HTMLFormElement>('controls').addEventListener('submit', (e) => e.preventDefault());
    const num = (el: HTMLSelectElement) => Number(el.value);
    this.sig.addEventListener('change', () =>
      change((s) => ({
        ...s,
        sig: num(this.sig),
        layer: fitLayer(loaded, num(this.sig), s.layer),
        // A signature without a text-only baseline has no excess to draw.
        metric: s.metric === 'excess' && !hasBaseline(loaded[num(this.sig)]!) ? 'accuracy' : s.metric,
        focus: null,
      })),
    );
    this.layer.addEventListener('change', () => change((s) => ({ ...s, layer: num(this.layer) })));
    this.aSig.addEventListener('change', () =>
      change((s) => ({
        ...s,
        a: { sig: num(this.aSig), layer: fitLayer(loaded, num(this.aSig), s.a.layer) },
        focus: null,
      })),
    );
    this.aLayer.addEventListener('change', () => change((s) => ({ ...s, a: { ...s.a, layer: num(this.aLayer) } })));
    this.bSig.addEventListener('change', () =>
      change((s) => ({
        ...s,
        b: { sig: num(this.bSig), layer: fitLayer(loaded, num(this.bSig), s.b.layer) },
        focus: null,
      })),
    );
    this.bLayer.addEventListener('change', () => change((s) => ({ ...s, b: { ...s.b, layer: num(this.bLayer) } })));
    for (const r of radios('mode')) {
      r.addEventListener('change', () =>
        change((s) => ({ ...s, mode: r.value === 'diff' ? 'diff' : 'signature', focus: null })),
      );
    }
    for (const r of radios('metric'))
      r.addEventListener('change', () => change((s) => ({ ...s, metric: r.value as Metric })));
    for (const r of radios('palette'))
      r.addEventListener('change', () => change((s) => ({ ...s, palette: r.value as Palette })));
    this.curve.addEventListener('click', () => change((s) => ({ ...s, curve: !s.curve })));
  }

  /** Shows `state`: selected values, the layer lists of the chosen signatures, which groups apply. */
  sync(state: ViewState): void {
    const { loaded } = this;
    fillLayers(this.layer, loaded[state.sig]!);
    fillLayers(this.aLayer, loaded[state.a.sig]!);
    fillLayers(this.bLayer, loaded[state.b.sig]!);
    this.sig.value = String(state.sig);
    this.layer.value = String(state.layer);
    this.aSig.value = String(state.a.sig);
    this.aLayer.value = String(state.a.layer);
    this.bSig.value = String(state.b.sig);
    this.bLayer.value = String(state.b.layer);
    this.layer.disabled = loaded[state.sig]!.sig.layers.length < 2;
    for (const r of radios('mode')) r.checked = r.value === state.mode;
    for (const r of radios('metric')) {
      r.checked = r.value === state.metric;
      if (r.value === 'excess') r.disabled = !hasBaseline(loaded[state.sig]!);
    }
    for (const r of radios('palette')) r.checked = r.value === state.palette;
    // Only a signature with learning curves (version 2) offers them.
    this.curve.hidden = !hasCurves(loaded[state.sig]!);
    this.curve.setAttribute('aria-pressed', String(state.curve));
    const diff = state.mode === 'diff';
    byId('signature-controls').hidden = diff;
    byId('diff-controls').hidden = !diff;
  }
}
