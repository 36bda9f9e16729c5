// What a LAS memory signature can read, one "probe" per analysed layer: the input features (a control), a listener
// layer's LSTM state on its own frame axis, or the speller at each step (its attention query, cell state or
// context vector). Here: their time axes, state sizes, the parameter counts that size their decoders by the
// paper's rule, and how the signature file describes them.

import { UserError } from '../core/errors.js';
import type { Las } from '../models/las.js';
import { isPyramid, type LasConfig, lasParamShapes, listenerInputSize } from '../models/las-config.js';
import { type FrameGrid, frameGrid, framePeriod } from './alignment.js';
import { featureWindowSize } from './feature-control.js';
import type { AlignmentMethod, LayerSpeech, StateDirection, StateKind } from './signature-types.js';

/** What the speller probe reads at step i: q_i (the top speller layer's h), its c, or the context vector c_i. */
export type SpellerReads = 'query' | 'c' | 'context';

export type LasProbe =
  | { role: 'features'; window: number }
  | { role: 'encoder'; layer: number } // 0-based listener layer
  | { role: 'decoder'; reads: SpellerReads };

/** The parts of a Las the signature uses (a test can stand in a synthetic model). */
export type LasLike = Pick<
  Las,
  'config' | 'params' | 'encode' | 'forward' | 'listenerStates' | 'queries' | 'spellerStates'
>;

/** Feature frames per frame of listener layer k: the stacking, doubled by each pyramid layer up to k. */
export function listenerFactor(config: LasConfig, k: number): number {
  let factor = config.stack;
  for (let j = 0; j <= k; j++) if (isPyramid(config, j)) factor *= 2;
  return factor;
}

/** Frames of each listener layer for an utterance of `frames` feature frames, as the model computes them. */
export function listenerFrames(config: LasConfig, frames: number): number[] {
  const out: number[] = [];
  let n = Math.floor(frames / config.stack);
  for (let k = 0; k < config.listenerLayers; k++) {
    if (isPyramid(config, k)) n = Math.floor(n / 2);
    out.push(n);
  }
  return out;
}

/** The probe's frame grid (features and listener layers); null for the speller, whose positions are steps. */
export function probeGrid(config: LasConfig, probe: LasProbe, shift: number, length: number): FrameGrid | null {
  if (probe.role === 'decoder') return null;
  return frameGrid(probe.role === 'features' ? 1 : listenerFactor(config, probe.layer), shift, length);
}

/** Positions of the probe in an utterance of `frames` feature frames and `graphemes` graphemes (+ <eos> step). */
export function probePositions(config: LasConfig, probe: LasProbe, frames: number, graphemes: number): number {
  if (probe.role === 'features') return frames;
  if (probe.role === 'encoder') return listenerFrames(config, frames)[probe.layer]!;
  return graphemes + 1;
}

export function probeStateSize(config: LasConfig, probe: LasProbe, direction: StateDirection): number {
  if (probe.role === 'features') return featureWindowSize(config.features, probe.window);
  if (probe.role === 'encoder') return direction === 'both' ? 2 * config.listenerUnits : config.listenerUnits;
  return probe.reads === 'context' ? 2 * config.listenerUnits : config.spellerUnits;
}

/**
 * The parameter count the paper's decoder-size rule matches: the listener layer's kernel and input projection (the
 * directions read), the top speller layer's, or the attention network's for the context. The features control
 * gets listener layer 1's, so that it is compared like for like with the layer that reads the same frames.
 */
export function probeParameterCount(config: LasConfig, probe: LasProbe, direction: StateDirection): number {
  const lstm = (input: number, units: number) => 4 * units * (input + units) + 8 * units;
  const H = config.listenerUnits;
  if (probe.role !== 'decoder') {
    const layer = probe.role === 'encoder' ? probe.layer : 0;
    return (direction === 'both' ? 2 : 1) * lstm(listenerInputSize(config, layer), H);
  }
  if (probe.reads === 'context') {
    let n = 0;
    for (const [name, shape] of lasParamShapes(config)) {
      if (name.startsWith('attention.')) n += shape.reduce((a, b) => a * b, 1);
    }
    return n;
  }
  const input = config.spellerLayers === 1 ? config.embed + 2 * H : config.spellerUnits;
  return lstm(input, config.spellerUnits);
}

/** One line naming the probe, e.g. "listener layer 2" or "features ±3 frames". */
export function probeLabel(probe: LasProbe): string {
  if (probe.role === 'features')
    return probe.window === 0 ? 'features (one frame)' : `features ±${probe.window} frames`;
  if (probe.role === 'encoder') return `listener layer ${probe.layer + 1}`;
  return `speller ${probe.reads}`;
}

/** The signature's record of the probe (LayerSpeech). */
export function probeSpeech(
  config: LasConfig,
  probe: LasProbe,
  settings: {
    state: StateKind;
    direction: StateDirection;
    alignment: AlignmentMethod | null;
    shiftSeconds: number;
    lengthSeconds: number;
  },
): LayerSpeech {
  const grid = probeGrid(config, probe, settings.shiftSeconds, settings.lengthSeconds);
  return {
    role: probe.role,
    label: probeLabel(probe),
    reads: probe.role === 'features' ? 'features' : probe.role === 'encoder' ? settings.state : probe.reads,
    direction: probe.role === 'encoder' ? settings.direction : null,
    frameSeconds: grid ? framePeriod(grid) : null,
    alignment: probe.role === 'decoder' ? null : settings.alignment,
    window: probe.role === 'features' ? probe.window : null,
  };
}

/**
 * The probes in the order of the signature's layers (closest to the input first: features by window, listener
 * layers, the speller); a probe that does not exist or repeats is a UserError.
 */
export function orderProbes(config: LasConfig, probes: readonly LasProbe[]): LasProbe[] {
  const rank = (p: LasProbe) =>
    p.role === 'features'
      ? p.window
      : p.role === 'encoder'
        ? 1e6 + p.layer
        : 2e6 + ['query', 'c', 'context'].indexOf(p.reads);
  const seen = new Set<string>();
  for (const p of probes) {
    if (p.role === 'features' && !(Number.isInteger(p.window) && p.window >= 0)) {
      throw new UserError(`the features window must be a whole number of frames ≥ 0 (got ${p.window})`);
    }
    if (p.role === 'encoder' && !(Number.isInteger(p.layer) && p.layer >= 0 && p.layer < config.listenerLayers)) {
      throw new UserError(`listener layer ${p.layer + 1} does not exist: the model has ${config.listenerLayers}`);
    }
    if (p.role === 'decoder' && !['query', 'c', 'context'].includes(p.reads)) {
      throw new UserError(`the speller can be read as query, c or context (got ${String(p.reads)})`);
    }
    const label = probeLabel(p);
    if (seen.has(label)) throw new UserError(`${label} is asked for twice`);
    seen.add(label);
  }
  return [...probes].sort((a, b) => rank(a) - rank(b));
}
