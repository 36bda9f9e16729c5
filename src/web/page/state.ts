// What the viewer shows, as plain data, and how a choice keeps it consistent (pure).

import type { Signature } from '../../analysis/signature-types.js';
import { hasTextBaseline } from '../../render/metric.js';
import type { Palette } from './color.js';
import type { Metric } from './grid.js';

/** A signature loaded by the page, and the file it came from. */
export interface Loaded {
  file: string;
  sig: Signature;
}

export interface SidePick {
  sig: number;
  layer: number;
}

export interface ViewState {
  mode: 'signature' | 'diff';
  /** Index into the loaded signatures, and into its layers. */
  sig: number;
  layer: number;
  metric: Metric;
  palette: Palette;
  a: SidePick;
  b: SidePick;
  /** The cell under keyboard focus: a heatmap row (δ index) or, one past the last, the forward strip. */
  focus: { row: number; col: number } | null;
  /** Whether the cell panel shows its decoder's learning curve (signatures of version 2). */
  curve: boolean;
}

/**
 * The first view: the first signature's first layer; the comparison is of the first two signatures, or with only
 * one, of its first two layers.
 */
export function initialState(loaded: readonly Loaded[]): ViewState {
  const twoLayers = (loaded[0]?.sig.layers.length ?? 0) > 1;
  const b: SidePick = loaded.length > 1 ? { sig: 1, layer: 0 } : { sig: 0, layer: twoLayers ? 1 : 0 };
  return {
    mode: 'signature',
    sig: 0,
    layer: 0,
    metric: 'accuracy',
    palette: 'purple',
    a: { sig: 0, layer: 0 },
    b,
    focus: null,
    curve: false,
  };
}

/** A layer index that exists in signature `sig` (the same index when it can, else the last layer). */
export function fitLayer(loaded: readonly Loaded[], sig: number, layer: number): number {
  const count = loaded[sig]?.sig.layers.length ?? 1;
  return Math.max(0, Math.min(layer, count - 1));
}

/** Whether a loaded signature has a text-only baseline, which --metric excess needs (files before it have none). */
export function hasBaseline(entry: Loaded): boolean {
  return hasTextBaseline(entry.sig.layers);
}

/** Whether a loaded signature has learning curves to show (version 2). */
export function hasCurves(entry: Loaded): boolean {
  return entry.sig.layers.some((l) => l.deltas.some((d) => d.convergence !== undefined));
}

/** The picker's text for a loaded signature: "2-layer LSTM, 48 units — lstm-2layer.json". */
export function loadedLabel(entry: Loaded): string {
  return `${entry.sig.model.label} — ${entry.file}`;
}
