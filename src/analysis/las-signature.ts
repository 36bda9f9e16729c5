// lasSignature(): the memory signature of a Listen-Attend-Spell recognizer (the paper's section 8, Figure 7). Each
// listener layer is read at frames of its own time axis, labelled through an alignment with the grapheme being
// spoken there; the speller is read at each step of a teacher-forced pass, labelled with the grapheme it spells.
// Decoder δ names the grapheme δ before (δ = 0: the current one, kept as the layer's `current`). The decoders,
// chance, bits, intervals, recall and convergence are the language models' (decoders.ts, metrics.ts).

import { createHash } from 'node:crypto';
import { UserError } from '../core/errors.js';
import type { Gemm } from '../core/gemm.js';
import { Rng } from '../core/random.js';
import { lasParamShapes } from '../models/las-config.js';
import { SPLITS, type Split } from '../speech/manifest.js';
import { graphemeSpans } from './alignment.js';
import { assignUnits, defaultUnitOptions, fitUnitCodebook, type UnitOptions } from './audio-units.js';
import { assessConvergence, CONVERGENCE_TOLERANCE } from './convergence.js';
import {
  type DecoderConfig,
  type DecoderProgress,
  decoderParameterCount,
  decoderSettings,
  defaultDecoderConfig,
  fitDecoders,
  hiddenSizeByRule,
} from './decoders.js';
import { bigramTarget, graphemeTarget, type LabelTarget, standInSymbols } from './label-targets.js';
import { alignmentOnGrid, attentionAlignments, topGrid } from './las-alignments.js';
import type { LasUtterance } from './las-batches.js';
import {
  alignedLabels,
  type ProbeSample,
  sampleProbePositions,
  stepLabels,
  type UtteranceLabels,
  unitLabels,
} from './las-positions.js';
import {
  type LasLike,
  type LasProbe,
  listenerFrames,
  orderProbes,
  probeGrid,
  probeLabel,
  probeParameterCount,
  probePositions,
  probeSpeech,
  probeStateSize,
} from './las-probes.js';
import { emptyTally, extractProbeStates, type ForwardTally, type ProbeRows } from './las-states.js';
import { buildDeltaSignature } from './metrics.js';
import type { DecoderRunner } from './signature.js';
import {
  type AlignmentMethod,
  type ForwardAccuracy,
  type LayerSignature,
  SIGNATURE_FORMAT,
  SIGNATURE_VERSION,
  type Signature,
  type SignatureModel,
  type StateDirection,
  type StateKind,
} from './signature-types.js';

/** What the decoders name: graphemes, pairs of graphemes (label-targets.ts), or audio units (audio-units.ts). */
export type LasTarget = 'grapheme' | 'bigram' | 'audio-unit';

export interface LasSignatureOptions {
  maxDelta: number;
  /** The layers read (las-probes.ts), or null: every listener layer and the speller query (no speller for units). */
  probes: LasProbe[] | null;
  /** The listener state read, and which direction's half. */
  state: StateKind;
  direction: StateDirection;
  /** How listener and feature frames get their graphemes. */
  alignment: AlignmentMethod;
  target: LasTarget;
  /** Bigram classes: this many of the most frequent training pairs, and "other". */
  bigrams: number;
  units: UnitOptions;
  /** Decode δ = 0 too (the grapheme being spoken or spelled; the unit of the frame itself). */
  current: boolean;
  /** Positions drawn per probe from each split's utterances. */
  trainPositions: number;
  devPositions: number;
  evalPositions: number;
  seed: number;
  decoder: DecoderConfig;
  convergenceTolerance: number;
  /** Utterances per model batch. */
  batch: number;
  /** The features' frame shift and window (seconds): where frames sit in time, for the synthesizer's alignment. */
  shiftSeconds: number;
  lengthSeconds: number;
  /** Recorded as the signature's corpus source (e.g. the manifest's path). */
  source: string;
}

export function defaultLasSignatureOptions(): LasSignatureOptions {
  return {
    maxDelta: 10,
    probes: null,
    state: 'c',
    direction: 'both',
    alignment: 'synth',
    target: 'grapheme',
    bigrams: 63,
    units: defaultUnitOptions(),
    current: true,
    trainPositions: 200_000,
    devPositions: 20_000,
    evalPositions: 40_000,
    seed: 1,
    // The standardized state, not whitened: on the Figure 7 recognizer whitening lowered every layer's recall, by up to
    // 5.7 points at δ = 1 (docs/convergence.md), where on the language models it raised it.
    decoder: { ...defaultDecoderConfig(), whiten: false },
    convergenceTolerance: CONVERGENCE_TOLERANCE,
    batch: 16,
    shiftSeconds: 0.01,
    lengthSeconds: 0.025,
    source: 'speech',
  };
}

export type LasSignatureProgress =
  | { phase: 'utterances'; used: Record<Split, number>; skipped: Record<Split, number> }
  | { phase: 'units'; frames: number }
  | { phase: 'alignment' | 'states'; partition: Split; done: number; total: number }
  | { phase: 'decoders'; layer: number; layerIndex: number; layerCount: number; decoder: DecoderProgress }
  | { phase: 'layer-done'; layer: LayerSignature };

export interface LasSignatureHooks {
  gemm: Gemm;
  onProgress?: (p: LasSignatureProgress) => void;
  signal?: AbortSignal;
  /** memsig's version, recorded in the signature. */
  generator?: string;
  /** Awaited before every model batch, so that the host's event loop (e.g. a Ctrl-C handler) can run. */
  yieldToHost?: () => Promise<void>;
  /** Trains the decoders of one layer (default: fitDecoders in this thread). */
  decoderRunner?: DecoderRunner;
  /** SHA-256 of the weights file; by default that of the parameters (lasParamShapes order, float32 little-endian). */
  weightsSha256?: string | null;
}

/**
 * The memory signature of `model` over `utterances` (their split decides train, dev and eval). Utterances too short
 * for the listener's time reduction, and (synthesizer alignment) those without word timings of their transcript,
 * are left out and counted in the 'utterances' progress event.
 */
export async function lasSignature(
  model: LasLike,
  utterances: readonly LasUtterance[],
  alphabet: readonly string[],
  options: LasSignatureOptions,
  hooks: LasSignatureHooks,
): Promise<Signature> {
  const config = model.config;
  const { maxDelta } = options;
  if (config.alphabet !== alphabet.length) {
    throw new UserError(
      `the model has ${config.alphabet} graphemes but the alphabet has ${alphabet.length}: they must match`,
    );
  }
  if (!Number.isSafeInteger(maxDelta) || maxDelta < 1) {
    throw new UserError(`--max-delta must be a whole number ≥ 1 (got ${maxDelta})`);
  }
  const probes = orderProbes(config, options.probes ?? defaultProbes(model, options.target));
  if (options.target === 'audio-unit' && probes.some((p) => p.role === 'decoder')) {
    throw new UserError('audio units belong to frames, and the speller has none: leave the speller out for units');
  }
  checkUtterances(utterances, config.features, config.alphabet);
  const aligned = options.target !== 'audio-unit' && probes.some((p) => p.role !== 'decoder');
  const parts = usableUtterances(model, utterances, aligned && options.alignment === 'synth');
  hooks.onProgress?.({ phase: 'utterances', used: parts.used, skipped: parts.skipped });

  const rng = new Rng(options.seed);
  const { target, units } = labelTarget(model, parts.bySplit, alphabet, options, hooks, rng.fork(7));
  const V = target ? target.names.length : options.units.units;
  const names = target ? target.names : Array.from({ length: V }, (_, k) => `u${k}`);
  // Graphemes are their own symbols; bigrams and units get a stand-in character each (their names in target).
  const symbols = target?.kind === 'grapheme' ? [...alphabet] : standInSymbols(V);
  const deltas = Array.from({ length: maxDelta + (options.current ? 1 : 0) }, (_, k) => k + (options.current ? 0 : 1));

  // Positions and their labels, split by split (the attention alignment needs a pass of the model first).
  const counts = { train: options.trainPositions, dev: options.devPositions, eval: options.evalPositions };
  const samples = {} as Record<Split, ProbeSample[]>;
  for (const [i, part] of SPLITS.entries()) {
    const list = parts.bySplit[part];
    const top =
      aligned && options.alignment === 'attention'
        ? await attentionAlignments(model, hooks.gemm, list, [...list.keys()], options.batch, {
            ...hooks,
            onProgress: (done, total) => hooks.onProgress?.({ phase: 'alignment', partition: part, done, total }),
          })
        : [];
    samples[part] = probes.map((probe) => {
      const labellers = list.map((u, m) => utteranceLabels(model, probe, u, top[m], target, units.get(u), options));
      return sampleProbePositions(labellers, deltas, counts[part], rng.fork(1000 * (i + 1) + probeKey(probe)));
    });
  }
  probes.forEach((probe, p) => {
    deltas.forEach((d, k) => {
      for (const part of ['train', 'eval'] as const) {
        if (!samples[part][p]!.labels[k]!.some((s) => s >= 0)) {
          throw new UserError(
            `${probeLabel(probe)}: no ${part} position has a label ${d} back (utterances too short for --max-delta ${maxDelta}?)`,
          );
        }
      }
    });
  });

  // The states there; the speller's own prediction on the way, per grapheme (so only when graphemes are the classes).
  const states = {} as Record<Split, Float32Array[]>;
  const spells = probes.some((p) => p.role === 'decoder') && options.target === 'grapheme';
  const forward = spells ? emptyTally(config.alphabet) : null;
  for (const part of SPLITS) {
    const rows: ProbeRows[] = probes.map((probe, p) => ({
      probe,
      sample: samples[part][p]!,
      D: probeStateSize(config, probe, options.direction),
    }));
    const settings = { state: options.state, direction: options.direction, batch: options.batch };
    states[part] = await extractProbeStates(
      model,
      hooks.gemm,
      parts.bySplit[part],
      rows,
      settings,
      part === 'eval' ? forward : null,
      {
        ...hooks,
        onProgress: (done, total) => hooks.onProgress?.({ phase: 'states', partition: part, done, total }),
      },
    );
  }

  const runDecoders: DecoderRunner =
    hooks.decoderRunner ?? (async (data, config, h) => fitDecoders(hooks.gemm, data, config, h));
  const layers: LayerSignature[] = [];
  for (const [p, probe] of probes.entries()) {
    const D = probeStateSize(config, probe, options.direction);
    const given = options.decoder.hidden.length > 0;
    const hidden = given
      ? options.decoder.hidden
      : [hiddenSizeByRule(D, V, probeParameterCount(config, probe, options.direction))];
    const sample = (part: Split) => samples[part][p]!;
    const outcomes = await runDecoders(
      {
        train: states.train[p]!,
        dev: states.dev[p]!,
        eval: states.eval[p]!,
        nTrain: sample('train').position.length,
        nDev: sample('dev').position.length,
        nEval: sample('eval').position.length,
        D,
        trainLabels: sample('train').labels,
        devLabels: sample('dev').labels,
        evalLabels: sample('eval').labels,
        V,
      },
      { ...options.decoder, hidden, seed: options.seed + 1000 * (probeKey(probe) + 1) },
      {
        signal: hooks.signal,
        onProgress: (decoder) =>
          hooks.onProgress?.({ phase: 'decoders', layer: p + 1, layerIndex: p, layerCount: probes.length, decoder }),
      },
    );
    const decoders = outcomes.map((outcome, k) => ({
      ...buildDeltaSignature({
        delta: deltas[k]!,
        alphabet: symbols,
        trainLabels: sample('train').labels[k]!,
        devLabels: sample('dev').labels[k]!,
        evalLabels: sample('eval').labels[k]!,
        outcome,
      }),
      convergence: { ...assessConvergence(outcome.curve, options.convergenceTolerance), curve: outcome.curve },
    }));
    const alignment = options.target === 'audio-unit' ? null : options.alignment;
    const layer: LayerSignature = {
      layer: p + 1,
      stateSize: D,
      speech: probeSpeech(config, probe, { ...options, alignment }),
      decoder: { hidden, parameters: decoderParameterCount(D, V, hidden), rule: given ? 'given' : 'paper-rule' },
      ...(options.current ? { current: decoders[0]! } : {}),
      deltas: options.current ? decoders.slice(1) : decoders,
    };
    states.train[p] = states.dev[p] = states.eval[p] = new Float32Array(0); // done with them: let them go
    hooks.onProgress?.({ phase: 'layer-done', layer });
    layers.push(layer);
  }

  const d = options.decoder;
  const drawn = (part: Split) => Math.max(...samples[part].map((s) => s.position.length));
  return {
    format: SIGNATURE_FORMAT,
    version: SIGNATURE_VERSION,
    generator: hooks.generator ?? 'memsig',
    model: describeLas(model, hooks.weightsSha256),
    corpus: {
      source: options.source,
      sha256: transcriptsSha256(parts.bySplit),
      segmentation: 'utterance',
      split: {
        train: parts.used.train / parts.total,
        dev: parts.used.dev / parts.total,
        eval: parts.used.eval / parts.total,
        seed: 0,
      },
      symbols: {
        train: graphemesIn(parts.bySplit.train),
        dev: graphemesIn(parts.bySplit.dev),
        eval: graphemesIn(parts.bySplit.eval),
      },
      maxChars: null,
    },
    alphabet: symbols,
    target: { kind: options.target, classes: names },
    state: options.state,
    maxDelta,
    settings: decoderSettings(
      options.seed,
      { train: drawn('train'), dev: drawn('dev'), eval: drawn('eval') },
      d,
      options.convergenceTolerance,
    ),
    forward: forward ? forwardAccuracy(forward) : null,
    layers,
  };
}

/** Every listener layer, and the speller's query unless the target is audio units. */
export function defaultProbes(model: LasLike, target: LasTarget): LasProbe[] {
  const listener: LasProbe[] = Array.from({ length: model.config.listenerLayers }, (_, layer) => ({
    role: 'encoder',
    layer,
  }));
  return target === 'audio-unit' ? listener : [...listener, { role: 'decoder', reads: 'query' }];
}

/** The signature's model record: kind 'las', and the configuration in details. */
export function describeLas(model: LasLike, weightsSha256?: string | null): SignatureModel {
  const c = model.config;
  const stack = c.stack > 1 ? `, ${c.stack} frames stacked` : '';
  return {
    kind: 'las',
    label:
      `LAS: ${c.listenerLayers}-layer BLSTM listener × ${c.listenerUnits} (${c.pyramidLayers} pyramid${stack}), ` +
      `${c.spellerLayers}-layer speller × ${c.spellerUnits}`,
    cell: 'lstm',
    layers: c.listenerLayers + c.spellerLayers,
    units: c.listenerUnits,
    embed: c.embed,
    weightsSha256: weightsSha256 === undefined ? parametersSha256(model) : weightsSha256,
    details: {
      features: c.features,
      stack: c.stack,
      listenerLayers: c.listenerLayers,
      pyramidLayers: c.pyramidLayers,
      listenerUnits: c.listenerUnits,
      spellerLayers: c.spellerLayers,
      spellerUnits: c.spellerUnits,
      attention: c.attention,
      location: c.location ? `${c.location.filters} filters × ${c.location.kernel}` : 'none',
      outputHidden: c.outputHidden,
      ctcWeight: c.ctcWeight,
    },
  };
}

// ---- Pieces ----

// A stable number per probe: its positions do not change when other probes are added or removed.
function probeKey(p: LasProbe): number {
  if (p.role === 'features') return 10 + p.window;
  if (p.role === 'encoder') return 500 + p.layer;
  return 900 + ['query', 'c', 'context'].indexOf(p.reads);
}

function checkUtterances(utterances: readonly LasUtterance[], F: number, alphabet: number): void {
  for (const u of utterances) {
    if (u.features.length < u.frames * F) {
      throw new UserError(`utterance ${u.id}: ${u.frames} frames need ${u.frames * F} features (${F} per frame)`);
    }
    for (const s of u.labels) {
      if (!(Number.isInteger(s) && s >= 0 && s < alphabet)) {
        throw new UserError(`utterance ${u.id}: grapheme id ${s} is outside the model's ${alphabet} graphemes`);
      }
    }
  }
}

interface Parts {
  bySplit: Record<Split, LasUtterance[]>;
  used: Record<Split, number>;
  skipped: Record<Split, number>;
  total: number;
}

function usableUtterances(model: LasLike, utterances: readonly LasUtterance[], needTimings: boolean): Parts {
  const top = model.config.listenerLayers - 1;
  const bySplit: Record<Split, LasUtterance[]> = { train: [], dev: [], eval: [] };
  const skipped: Record<Split, number> = { train: 0, dev: 0, eval: 0 };
  for (const u of utterances) {
    const long = listenerFrames(model.config, u.frames)[top]! >= 1;
    const timed = !needTimings || (u.words !== null && graphemeSpans(u.transcript, u.words) !== null);
    if (long && timed) bySplit[u.split].push(u);
    else skipped[u.split]++;
  }
  for (const part of SPLITS) {
    if (bySplit[part].length === 0) {
      const why = needTimings ? ' (utterances need word timings of their transcript for --alignment synth)' : '';
      throw new UserError(`no usable ${part} utterance${why}`);
    }
  }
  const used = { train: bySplit.train.length, dev: bySplit.dev.length, eval: bySplit.eval.length };
  return { bySplit, used, skipped, total: used.train + used.dev + used.eval };
}

/** The target's classes; for audio units a codebook fitted on train frames and every utterance's units. */
function labelTarget(
  model: LasLike,
  bySplit: Record<Split, LasUtterance[]>,
  alphabet: readonly string[],
  options: LasSignatureOptions,
  hooks: LasSignatureHooks,
  rng: Rng,
): { target: LabelTarget | null; units: Map<LasUtterance, Int32Array> } {
  const units = new Map<LasUtterance, Int32Array>();
  if (options.target === 'grapheme') return { target: graphemeTarget(alphabet), units };
  if (options.target === 'bigram') {
    return {
      target: bigramTarget(
        alphabet,
        bySplit.train.map((u) => u.labels),
        options.bigrams,
      ),
      units,
    };
  }
  const F = model.config.features;
  const train = bySplit.train;
  const total = train.reduce((n, u) => n + u.frames, 0);
  const n = Math.min(total, options.units.fitFrames);
  const fit = new Float32Array(n * F);
  // All train frames, or frames drawn uniformly (with replacement) when there are more.
  const starts = new Float64Array(train.length + 1); // frame offset of each utterance in the train frames
  train.forEach((u, m) => {
    starts[m + 1] = starts[m]! + u.frames;
  });
  for (let i = 0; i < n; i++) {
    const r = n === total ? i : rng.int(total);
    let lo = 0;
    let hi = train.length - 1; // the utterance m with starts[m] ≤ r < starts[m + 1]
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= r) lo = mid;
      else hi = mid - 1;
    }
    const t = r - starts[lo]!;
    fit.set(train[lo]!.features.subarray(t * F, (t + 1) * F), i * F);
  }
  hooks.onProgress?.({ phase: 'units', frames: n });
  const codebook = fitUnitCodebook(hooks.gemm, fit, n, F, options.units.units, options.units.iterations, rng);
  for (const list of Object.values(bySplit)) {
    for (const u of list) units.set(u, assignUnits(hooks.gemm, codebook, u.features, u.frames));
  }
  return { target: null, units };
}

function utteranceLabels(
  model: LasLike,
  probe: LasProbe,
  u: LasUtterance,
  top: Int32Array | undefined,
  target: LabelTarget | null,
  units: Int32Array | undefined,
  options: LasSignatureOptions,
): UtteranceLabels {
  const config = model.config;
  if (probe.role === 'decoder') return stepLabels(u.labels, target!);
  const grid = probeGrid(config, probe, options.shiftSeconds, options.lengthSeconds)!;
  const frames = probePositions(config, probe, u.frames, u.labels.length);
  if (!target) return unitLabels(units!, grid.factor, frames);
  const topOf = topGrid(config, options.shiftSeconds, options.lengthSeconds);
  const alignment = alignmentOnGrid(u, options.alignment, top, topOf, grid, frames);
  if (!alignment) throw new Error(`utterance ${u.id} has no alignment`); // usableUtterances keeps only aligned ones
  return alignedLabels(alignment, u.labels, target);
}

function forwardAccuracy(t: ForwardTally): ForwardAccuracy {
  const n = t.count.reduce((a, b) => a + b, 0);
  const correct = t.correct.reduce((a, b) => a + b, 0);
  return {
    accuracy: n > 0 ? correct / n : 0,
    perplexity: n > 0 ? Math.max(1, Math.exp(t.loss / n)) : 1,
    count: [...t.count],
    correct: [...t.correct],
    recall: t.count.map((c, s) => (c > 0 ? t.correct[s]! / c : null)),
  };
}

function graphemesIn(list: readonly LasUtterance[]): number {
  return list.reduce((n, u) => n + u.labels.length, 0);
}

// The transcripts used, split by split in input order: what the signature's positions were drawn from.
function transcriptsSha256(bySplit: Record<Split, LasUtterance[]>): string {
  const hash = createHash('sha256');
  for (const part of SPLITS) for (const u of bySplit[part]) hash.update(`${part}\t${u.id}\t${u.transcript}\n`);
  return hash.digest('hex');
}

function parametersSha256(model: LasLike): string {
  const hash = createHash('sha256');
  for (const name of lasParamShapes(model.config).keys()) {
    const t = model.params.get(name);
    if (t) hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}
