// Shared helpers of the render tests: a small hand-made signature with known numbers, the real fixtures, and a
// tiny reader of the SVG elements the figures draw (attributes by regular expression: the figures are ours, and
// written one element a line).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
