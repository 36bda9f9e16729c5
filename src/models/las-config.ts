// Listen-Attend-Spell's configuration, its grapheme ids, and its parameters' PyTorch names and shapes (those of the
// reference module in scripts/las_reference.py, so a state_dict saved from it loads as it is).

import type { LocationConfig } from '../core/attention.js';

export interface LasConfig {
  /** Features per input frame (log-mel bands). */
  features: number;
  /** Consecutive input frames concatenated into one before the listener (1: none). */
  stack: number;
  /** Bidirectional LSTM layers of the listener. */
  listenerLayers: number;
  /** How many of the top listener layers are pyramid layers (each halves the frame rate). */
  pyramidLayers: number;
  /** Units per direction of each listener layer (the listener's frames are 2× this wide). */
  listenerUnits: number;
  /** Graphemes of the alphabet; the speller's vocabulary adds <sos> and <eos>, CTC's adds the blank. */
  alphabet: number;
  /** Speller grapheme embedding size. */
  embed: number;
  spellerLayers: number;
  spellerUnits: number;
  /** Size of the attention MLP's hidden layer. */
  attention: number;
  /** Location-aware attention (filters over the previous weights), or null for content-only attention. */
  location: LocationConfig | null;
  /** Hidden units of the output MLP over [query; context]. */
  outputHidden: number;
  /** Label smoothing ε of the speller's cross-entropy. */
  labelSmoothing: number;
  /** λ of loss = λ·CTC + (1 − λ)·cross-entropy; 0 builds no CTC layer. */
  ctcWeight: number;
}

/** The benchmark-sized LAS (Chan et al. 2015 in spirit, smaller): 3 BLSTM layers × 256, the top two pyramid. */
export function defaultLasConfig(): LasConfig {
  return {
    features: 40,
    stack: 1,
    listenerLayers: 3,
    pyramidLayers: 2,
    listenerUnits: 256,
    alphabet: 58,
    embed: 64,
    spellerLayers: 1,
    spellerUnits: 256,
    attention: 128,
    location: null,
    outputHidden: 256,
    labelSmoothing: 0.1,
    ctcWeight: 0.2,
  };
}

/** Speller ids: <sos> 0, <eos> 1, alphabet symbol s at s + 2. CTC ids: blank 0, symbol s at s + 1. */
export const SOS = 0;
export const EOS = 1;
export const SYMBOL_OFFSET = 2;
export const CTC_BLANK = 0;

/** The speller's vocabulary: the alphabet, <sos> and <eos>. */
export function graphemeCount(c: LasConfig): number {
  return c.alphabet + SYMBOL_OFFSET;
}

/** Whether listener layer k concatenates pairs of frames of the layer below. */
export function isPyramid(c: LasConfig, k: number): boolean {
  return k >= c.listenerLayers - c.pyramidLayers;
}

/** Input width of listener layer k. */
export function listenerInputSize(c: LasConfig, k: number): number {
  const below = k === 0 ? c.stack * c.features : 2 * c.listenerUnits;
  return isPyramid(c, k) ? 2 * below : below;
}

/** Throws on a configuration no LAS can be built from. */
export function checkLasConfig(c: LasConfig): void {
  const positive = ['features', 'stack', 'listenerLayers', 'listenerUnits', 'alphabet', 'embed', 'spellerLayers'];
  for (const key of [...positive, 'spellerUnits', 'attention', 'outputHidden'] as const) {
    const v = c[key as keyof LasConfig] as number;
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`LAS config: ${key} must be a positive integer (${v})`);
  }
  if (!(Number.isInteger(c.pyramidLayers) && c.pyramidLayers >= 0 && c.pyramidLayers <= c.listenerLayers)) {
    throw new RangeError(`LAS config: pyramidLayers must be in [0, listenerLayers] (${c.pyramidLayers})`);
  }
  if (c.location && !(c.location.filters >= 1 && c.location.kernel >= 1 && c.location.kernel % 2 === 1)) {
    throw new RangeError('LAS config: location needs filters ≥ 1 and an odd kernel');
  }
  if (!(c.labelSmoothing >= 0 && c.labelSmoothing < 1)) throw new RangeError('LAS config: labelSmoothing in [0, 1)');
  if (!(c.ctcWeight >= 0 && c.ctcWeight <= 1)) throw new RangeError('LAS config: ctcWeight in [0, 1]');
}

/**
 * Every parameter, PyTorch name → shape, in a fixed order:
 *   listener.layers.{k}.{weight_ih,weight_hh,bias_ih,bias_hh}_l0[_reverse]   nn.LSTM(in, H, bidirectional=True)
 *   speller.embed.weight                                                       nn.Embedding(V, E)
 *   speller.rnn.{weight_ih,weight_hh,bias_ih,bias_hh}_l{j}                     nn.LSTM(E + 2H, Hs, num_layers)
 *   speller.hidden.{weight,bias}, speller.out.{weight,bias}                    nn.Linear(Hs + 2H, M), nn.Linear(M, V)
 *   attention.W.{weight,bias}, attention.V.weight, attention.w.weight          nn.Linear(2H, A), (Hs, A), (A, 1)
 *   attention.conv.weight, attention.U.weight (location only)                  nn.Conv1d(1, F, K), nn.Linear(F, A)
 *   ctc.{weight,bias} (ctcWeight > 0 only)                                     nn.Linear(2H, alphabet + 1)
 */
export function lasParamShapes(c: LasConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const H = c.listenerUnits;
  const D = 2 * H;
  const Hs = c.spellerUnits;
  const lstm = (prefix: string, suffix: string, input: number, units: number) => {
    shapes.set(`${prefix}.weight_ih_${suffix}`, [4 * units, input]);
    shapes.set(`${prefix}.weight_hh_${suffix}`, [4 * units, units]);
    shapes.set(`${prefix}.bias_ih_${suffix}`, [4 * units]);
    shapes.set(`${prefix}.bias_hh_${suffix}`, [4 * units]);
  };
  for (let k = 0; k < c.listenerLayers; k++) {
    lstm(`listener.layers.${k}`, 'l0', listenerInputSize(c, k), H);
    lstm(`listener.layers.${k}`, 'l0_reverse', listenerInputSize(c, k), H);
  }
  const V = graphemeCount(c);
  shapes.set('speller.embed.weight', [V, c.embed]);
  for (let j = 0; j < c.spellerLayers; j++) lstm('speller.rnn', `l${j}`, j === 0 ? c.embed + D : Hs, Hs);
  shapes.set('speller.hidden.weight', [c.outputHidden, Hs + D]);
  shapes.set('speller.hidden.bias', [c.outputHidden]);
  shapes.set('speller.out.weight', [V, c.outputHidden]);
  shapes.set('speller.out.bias', [V]);
  shapes.set('attention.W.weight', [c.attention, D]);
  shapes.set('attention.W.bias', [c.attention]);
  shapes.set('attention.V.weight', [c.attention, Hs]);
  shapes.set('attention.w.weight', [1, c.attention]);
  if (c.location) {
    shapes.set('attention.conv.weight', [c.location.filters, 1, c.location.kernel]);
    shapes.set('attention.U.weight', [c.attention, c.location.filters]);
  }
  if (c.ctcWeight > 0) {
    shapes.set('ctc.weight', [c.alphabet + 1, D]);
    shapes.set('ctc.bias', [c.alphabet + 1]);
  }
  return shapes;
}
