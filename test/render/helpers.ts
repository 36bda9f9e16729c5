// Shared helpers of the render tests: a small hand-made signature with known numbers, the real fixtures, and a
// tiny reader of the SVG elements the figures draw (attributes by regular expression: the figures are ours, and
// written one element a line).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assessConvergence, type LearningCurve } from '../../src/analysis/convergence.js';
import type { DeltaSignature, Signature } from '../../src/analysis/signature-types.js';

/** test/fixtures/signatures, from both test/render (sources) and dist/test/render (compiled). */
export const SIGNATURES = fileURLToPath(
  new URL(
    import.meta.url.includes('/dist/') ? '../../../test/fixtures/signatures/' : '../fixtures/signatures/',
    import.meta.url,
  ),
);

export const LSTM_PATH = join(SIGNATURES, 'lstm-2layer.json');
export const GRU_PATH = join(SIGNATURES, 'gru-1layer.json');
/** The LSTM fixture as version 2, with learning curves: lstmV2() written as JSON (see lstmV2). */
export const LSTM_V2_PATH = join(SIGNATURES, 'lstm-2layer-v2.json');
/** The δ whose decoders lstmV2() leaves not converged, per layer: by data, and by epochs (still rising at the cap). */
export const LSTM_V2_UNCONVERGED = { 1: { data: [4], epochs: [6] }, 2: { data: [3, 4, 5], epochs: [] } } as const;

export function loadFixture(path: string): Signature {
  return JSON.parse(readFileSync(path, 'utf8')) as Signature;
}

/**
 * A signature over `alphabet` whose recall per layer, δ and symbol is `recalls[layer][δ−1][symbol]` (null: the
 * symbol never occurs, count 0). Every symbol that occurs has 10 eval positions; its misses are all guessed as the
 * next symbol in the alphabet. Consistent enough to pass validateSignature.
 */
export function tinySignature(
  recalls: (number | null)[][][],
  alphabet: string[] = ['a', 'b', ' ', '#'],
  withForward = true,
): Signature {
  const V = alphabet.length;
  const maxDelta = recalls[0]!.length;
  const layers = recalls.map((layer, li) => ({
    layer: li + 1,
    stateSize: 8,
    decoder: { hidden: [16], parameters: 300, rule: 'paper-rule' as const },
    deltas: layer.map((recall, di) => deltaOf(di + 1, recall, alphabet)),
  }));
  return {
    format: 'memsig-signature',
    version: 1,
    generator: 'memsig test',
    model: {
      kind: 'synthetic',
      label: 'tiny test model',
      cell: 'lstm',
      layers: recalls.length,
      units: 8,
      embed: 4,
      weightsSha256: null,
      details: {},
    },
    corpus: {
      source: 'made-up.txt',
      sha256: '0'.repeat(64),
      segmentation: 'line',
      split: { train: 0.9, dev: 0.05, eval: 0.05, seed: 1 },
      symbols: { train: 900, dev: 50, eval: 50 },
      maxChars: null,
    },
    alphabet,
    state: 'c',
    maxDelta,
    settings: {
      seed: 1,
      trainPositions: 100,
      devPositions: 20,
      evalPositions: 40,
      keepProbs: [0.8, 1],
      hidden: null,
      maxEpochs: 5,
      patience: 2,
      batch: 16,
      lr: 0.001,
    },
    forward: withForward
      ? {
          accuracy: 0.5,
          perplexity: 3.5,
          count: alphabet.map((_, s) => (s === V - 1 ? 0 : 10)),
          correct: alphabet.map((_, s) => (s === V - 1 ? 0 : [10, 0, 5][s % 3]!)),
          recall: alphabet.map((_, s) => (s === V - 1 ? null : [1, 0, 0.5][s % 3]!)),
        }
      : null,
    layers,
  };
}

function deltaOf(delta: number, recall: (number | null)[], alphabet: string[]): DeltaSignature {
  const V = alphabet.length;
  const count: number[] = recall.map((r) => (r === null ? 0 : 10));
  const correct = recall.map((r) => (r === null ? 0 : Math.round(r * 10)));
  const confusion = alphabet.map((_, s) => {
    const row = new Array<number>(V).fill(0);
    row[s] = correct[s]!;
    row[(s + 1) % V]! += count[s]! - correct[s]!;
    return row;
  });
  const total = count.reduce((a, b) => a + b, 0);
  const right = correct.reduce((a, b) => a + b, 0);
  const prior = count.map((c) => c / total);
  const priorEntropy = -prior.reduce((h, p) => (p > 0 ? h + p * Math.log2(p) : h), 0);
  return {
    delta,
    positions: { train: 100, dev: 20, eval: total },
    keepProb: 1,
    epochs: 3,
    devAccuracy: right / total,
    accuracy: right / total,
    accuracyInterval: { low: Math.max(0, right / total - 0.1), high: Math.min(1, right / total + 0.1) },
    chanceAccuracy: Math.max(...prior),
    chanceSymbol: alphabet[prior.indexOf(Math.max(...prior))]!,
    pValue: 0.01,
    count,
    recall: recall.map((r) => (r === null ? null : Math.round(r * 10) / 10)),
    prior,
    confusion,
    crossEntropyBits: priorEntropy / 2,
    priorEntropyBits: priorEntropy,
    informationBits: priorEntropy / 2,
  };
}

/** The version-2 settings of a decoder schedule (docs/signature.schema.json). */
export const V2_SETTINGS = {
  maxEpochs: 12,
  patience: 1,
  sweepEpochs: 1,
  finalists: 1,
  halfStage: true,
  epochsPerRate: 3,
  lrDecay: 0.25,
  decays: 2,
  minImprovement: 0.001,
  convergenceTolerance: 0.005,
} as const;

/**
 * `sig` as a version-2 signature: each decoder gets made-up learning curves that end at its dev accuracy, and the
 * verdict assessConvergence() draws from them. The δ listed in `notConverged` (per layer number) get curves that
 * are not converged: `data` ones gain 3 points from the last doubling of the data, `epochs` ones still rise at the
 * epoch cap; every other decoder plateaus within the tolerance. Deterministic (no randomness).
 */
export function withLearningCurves(
  sig: Signature,
  notConverged: Record<number, { data: readonly number[]; epochs: readonly number[] }>,
): Signature {
  const out = structuredClone(sig);
  out.version = 2;
  out.settings = { ...out.settings, ...V2_SETTINGS };
  for (const layer of out.layers) {
    const marks = notConverged[layer.layer] ?? { data: [], epochs: [] };
    for (const d of layer.deltas) {
      const kind = marks.data.includes(d.delta) ? 'data' : marks.epochs.includes(d.delta) ? 'epochs' : 'converged';
      const curve = madeUpCurve(d, kind);
      d.convergence = { ...assessConvergence(curve, V2_SETTINGS.convergenceTolerance), curve };
    }
  }
  return out;
}

/** A curve rising like 1 − e^(−i/τ) from `from` to `to` (dev accuracies, in steps of one dev position), then flat. */
function rise(from: number, to: number, rising: number, flat: number, step: number): number[] {
  const q = (x: number) => Math.round(x / step) * step;
  const values: number[] = [];
  for (let i = 0; i < rising; i++) values.push(q(to - (to - from) * Math.exp(-(2.5 * (i + 1)) / rising)));
  values[rising - 1] = q(to);
  for (let i = 0; i < flat; i++) values.push(q(to - (i % 2 === 0 ? step : 0)));
  return values.map((v) => Number(v.toFixed(6)));
}

function madeUpCurve(d: DeltaSignature, kind: 'converged' | 'data' | 'epochs'): LearningCurve {
  const step = 1 / d.positions.dev;
  const q = (x: number) => Number((Math.round(x / step) * step).toFixed(6));
  const top = d.devAccuracy;
  // The data gain: 3 points beyond two standard errors ('data'), or within the noise of a small dev sample.
  const gain = kind === 'data' ? 0.03 : kind === 'epochs' ? 0.015 : 0.002;
  const start = top - gain - Math.max(0.03, (top - gain - d.chanceAccuracy) / 2);
  const half = rise(start, top - gain, 6, 3, step);
  // The full stage is warm-started from the half stage's decoder; one still rising at the cap rises steadily.
  const cap = V2_SETTINGS.maxEpochs;
  const full =
    kind === 'epochs'
      ? Array.from({ length: cap }, (_, i) => q(top - gain + (gain * (i + 1)) / cap))
      : rise(top - gain, top, kind === 'data' ? 5 : 3, 3, step);
  // Three epochs at each rate, the last rate until the stage ends; one still rising at the cap stayed at one rate.
  const rates = (n: number, still: boolean) =>
    Array.from({ length: n }, (_, i) => (still ? 1e-3 : 1e-3 * 0.25 ** Math.min(2, Math.floor(i / 3))));
  return {
    half,
    full,
    halfEnd: 'plateau',
    fullEnd: kind === 'epochs' ? 'cap' : 'plateau',
    halfLr: rates(half.length, false),
    fullLr: rates(full.length, kind === 'epochs'),
    halfPositions: Math.floor(d.positions.train / 2),
    fullPositions: d.positions.train,
    dataGainStdError: kind === 'converged' ? 0.003 : kind === 'data' ? 0.004 : 0.008,
  };
}

/** The LSTM fixture with the learning curves of LSTM_V2_UNCONVERGED (test/fixtures/signatures/lstm-2layer-v2.json). */
export function lstmV2(): Signature {
  return withLearningCurves(loadFixture(LSTM_PATH), LSTM_V2_UNCONVERGED);
}

export type Attrs = Record<string, string>;

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The attributes of every `<tag ...>` whose class list includes `cls`, with its <title> text as "title". */
export function elements(svg: string, tag: string, cls: string): Attrs[] {
  const re = new RegExp(`<${tag} ([^>]*?)/?>(?:<title>([^<]*)</title>)?`, 'g');
  const out: Attrs[] = [];
  for (const m of svg.matchAll(re)) {
    const attrs: Attrs = {};
    for (const a of m[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = unescapeXml(a[2]!);
    if (!(attrs.class ?? '').split(' ').includes(cls)) continue;
    if (m[2] !== undefined) attrs.title = unescapeXml(m[2]);
    out.push(attrs);
  }
  return out;
}

/** The text contents of every <text> element. */
export function texts(svg: string): string[] {
  return [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => unescapeXml(m[1]!));
}

/** The <svg> root's width and height. */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg);
  if (!m) throw new Error('no <svg width height>');
  return { width: Number(m[1]), height: Number(m[2]) };
}

export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
