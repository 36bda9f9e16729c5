// The paper's experiments (sections 5–7, Figures 1–6), each a function that trains or finds its models, computes
// or finds their signatures, and returns every number it measured. Figures are drawn by the runner from the
// signatures; the reproduction report is written from the returned numbers.

import { charLmAnalysable } from '../analysis/analysable-model.js';
import { factorizedAnalysable } from '../analysis/factorized-analysable.js';
import { ngramAnalysable } from '../analysis/ngram-analysable.js';
import { drawRandomWeights, withRandomWeights } from '../analysis/random-weights.js';
import type { SignatureOptions } from '../analysis/signature.js';
import type { LayerSignature, Signature } from '../analysis/signature-types.js';
import { memoryVersusPrediction, signatureSimilarity } from '../analysis/similarity.js';
import type { KernelRestriction } from '../core/factorized-lstm.js';
import { subsampleTrain } from '../data/subsample.js';
import { charLmShape } from '../io/load-model.js';
import { CharLm } from '../models/char-lm.js';
import type { CellKind } from '../models/config.js';
import { basesOfBigrams } from '../models/factorized-lm.js';
import { trainNgram } from '../models/ngram.js';
import { alignSignatures, countDifferingCells } from '../render/signature-data.js';
import { evaluateCharLm } from '../train/evaluate.js';
import type { TrainConfig } from '../train/train-char-lm.js';
import {
  contextGemm,
  type ExperimentContext,
  ensureFactorizedModel,
  ensureModel,
  ensureSignature,
  modelWithSignature,
} from './context.js';
import { loadCorpus } from './corpora.js';
import { type DepthGain, deeperDecoder, depthGain, upperLayers } from './decoder-depth.js';
import { compareSeedGroups, modelSeeds } from './model-seeds.js';
import { experimentSettings } from './settings.js';

export interface Panel {
  label: string;
  signature: string;
  layer: number;
}

export interface FigureResult {
  figure: string;
  title: string;
  /** Named signatures (paths relative to the experiment folder) to draw, and how. */
  panels: Panel[];
  numbers: Record<string, unknown>;
}

/** Marginal eval accuracy per δ of one layer. */
export function marginal(layer: LayerSignature): number[] {
  return layer.deltas.map((d) => d.accuracy);
}

/**
 * Standard error of a layer's mean marginal accuracy over δ, each δ's accuracy a proportion over its eval
 * positions, taken as independent across δ: √(Σ p(1−p)/n) / Δ.
 */
export function meanAccuracyStdError(layer: LayerSignature): number {
  const variance = layer.deltas.reduce((v, d) => v + (d.accuracy * (1 - d.accuracy)) / d.positions.eval, 0);
  return Math.sqrt(variance) / layer.deltas.length;
}

function layerOf(sig: Signature, layer = 1): LayerSignature {
  return sig.layers.find((l) => l.layer === layer)!;
}

function stateFor(cell: CellKind): 'c' | 'h' {
  return cell === 'lstm' ? 'c' : 'h';
}

/** Figure 1: a 1-layer GRU on Shakespeare; its signature, its next-symbol accuracy, and how the two relate. */
export async function figure1(ctx: ExperimentContext): Promise<FigureResult> {
  const s = experimentSettings(ctx.quick);
  const corpus = await loadCorpus(s.shakespeare, ctx.shakespeare);
  const { step, sig } = await modelWithSignature(
    ctx,
    'gru',
    corpus,
    s.train({ cell: 'gru', units: s.units }),
    s.signature({ state: 'h' }),
  );
  const layer = layerOf(sig);
  const relation = memoryVersusPrediction(sig, layer);
  // Our addition, the control: the same GRU with random weights, read by the same decoders.
  const untrained = new CharLm(charLmShape(step.config));
  const seed = 1;
  const gemm = contextGemm(ctx);
  const controlModel = withRandomWeights(charLmAnalysable(untrained, gemm, drawRandomWeights(untrained, seed)), seed);
  const control = await ensureSignature(ctx, 'gru-random-weights', controlModel, corpus, s.signature({ state: 'h' }));
  // --model-seeds: the same GRU trained with more seeds, each read by the same decoders on the same positions.
  const seeds = (ctx.modelSeeds ?? 1) > 1;
  const spread = seeds
    ? await modelSeeds(
        ctx,
        'gru',
        corpus,
        s.train({ cell: 'gru', units: s.units }),
        s.signature({ state: 'h' }),
        ctx.modelSeeds!,
      )
    : null;
  return {
    figure: 'fig1',
    title: 'Memory signature and next-symbol accuracy of a 1-layer GRU on Shakespeare',
    panels: [
      { label: step.config.cell.toUpperCase(), signature: 'signatures/gru.json', layer: 1 },
      { label: 'the same GRU, random weights', signature: 'signatures/gru-random-weights.json', layer: 1 },
    ],
    numbers: {
      corpus: corpus.record,
      training: trainingSettings(s.train({})),
      signature: signatureSettings(s.signature({ state: 'h' })),
      evalPerplexity: step.config.metrics.evalPerplexity,
      marginalAccuracy: marginal(layer),
      marginalInterval: layer.deltas.map((d) => d.accuracyInterval),
      chance: layer.deltas.map((d) => d.chanceAccuracy),
      informationBits: layer.deltas.map((d) => d.informationBits),
      memoryVersusPrediction: relation,
      randomWeights: {
        seed,
        marginalAccuracy: marginal(layerOf(control)),
        forwardAccuracy: control.forward?.accuracy ?? null,
        trainedForwardAccuracy: sig.forward?.accuracy ?? null,
        differingCells: differingCells(sig, control),
      },
      ...(spread ? { modelSeeds: spread } : {}),
    },
  };
}

/** Figure 2: 1-layer GRUs and LSTMs of growing state size on the WSJ stand-in. */
export async function figure2(ctx: ExperimentContext): Promise<FigureResult> {
  const s = experimentSettings(ctx.quick);
  const corpus = await loadCorpus(s.sotu, ctx.shakespeare);
  const rows: Record<string, unknown>[] = [];
  const panels: Panel[] = [];
  // Smallest models first, so that a stopped run has finished as many of them as it could; shown cell by cell.
  const order = [...s.sizes]
    .sort((a, b) => a - b)
    .flatMap((units) => (['gru', 'lstm'] as const).map((cell) => ({ cell, units })));
  // --model-seeds: the GRU and LSTM of the single-layer size (the paper's 320) with more seeds, compared with the
  // seed as the unit. They run right after the sizes up to that one, before the larger (slower) sizes, so that a
  // stopped run already holds the comparison.
  let seedPair: Record<string, unknown> | null = null;
  const seedPairDue = (ctx.modelSeeds ?? 1) > 1;
  const runSeedPair = async () => {
    const pair = {} as Record<'gru' | 'lstm', Awaited<ReturnType<typeof modelSeeds>>>;
    for (const cell of ['gru', 'lstm'] as const) {
      pair[cell] = await modelSeeds(
        ctx,
        `${cell}-${s.units}`,
        corpus,
        s.train({ cell, units: s.units }),
        s.signature({ state: stateFor(cell) }),
        ctx.modelSeeds!,
      );
    }
    seedPair = { units: s.units, gru: pair.gru, lstm: pair.lstm, gruMinusLstm: compareSeedGroups(pair.gru, pair.lstm) };
  };
  for (const { cell, units } of order) {
    if (seedPairDue && !seedPair && units > s.units) await runSeedPair();
    const name = `${cell}-${units}`;
    const { step, sig } = await modelWithSignature(
      ctx,
      name,
      corpus,
      s.train({ cell, units }),
      s.signature({ state: stateFor(cell) }),
    );
    const layer = layerOf(sig);
    panels.push({ label: `${cell.toUpperCase()} [1,${units}]`, signature: `signatures/${name}.json`, layer: 1 });
    rows.push({
      cell,
      units,
      evalPerplexity: step.config.metrics.evalPerplexity,
      marginalAccuracy: marginal(layer),
      meanAccuracy: mean(marginal(layer)),
      meanAccuracyStdError: meanAccuracyStdError(layer),
      informationBits: layer.deltas.map((d) => d.informationBits),
    });
  }
  if (seedPairDue && !seedPair) await runSeedPair();
  const shown = (x: { cell: string; units: number }) => (x.cell === 'gru' ? 0 : 1e9) + x.units;
  const byDisplay = (a: { cell: string; units: number }, b: { cell: string; units: number }) => shown(a) - shown(b);
  return {
    figure: 'fig2',
    title: 'Marginal recall of 1-layer GRU and LSTM language models of growing state size',
    panels: panels
      .map((p, i) => ({ p, key: order[i]! }))
      .sort((a, b) => byDisplay(a.key, b.key))
      .map((x) => x.p),
    numbers: {
      corpus: corpus.record,
      training: trainingSettings(s.train({})),
      signature: signatureSettings(s.signature({})),
      models: (rows as { cell: string; units: number }[]).sort(byDisplay),
      ...(seedPair ? { modelSeeds: seedPair } : {}),
    },
  };
}

/** What the report needs to say how a figure's language models were trained (sizes are given per model). */
function trainingSettings(c: TrainConfig) {
  const { epochs, maxSteps, patience, batch, seq, lr, embed, dropout, recurrentDropout, clip } = c;
  return { epochs, maxSteps, patience, batch, seq, lr, embed, dropout, recurrentDropout, clip };
}

/** What the report needs to say how a figure's decoders were trained: positions, the dropout grid, the minibatch. */
function signatureSettings(o: SignatureOptions) {
  return {
    positions: { train: o.trainPositions, dev: o.devPositions, eval: o.evalPositions },
    keepProbs: o.decoder.keepProbs,
    batch: o.decoder.batch,
    whiten: o.decoder.standardize && o.decoder.whiten,
  };
}

/** Figure 3: per-layer recall of a deep GRU and LSTM. */
export async function figure3(ctx: ExperimentContext): Promise<FigureResult> {
  const s = experimentSettings(ctx.quick);
  const corpus = await loadCorpus(s.sotu, ctx.shakespeare);
  const rows: Record<string, unknown>[] = [];
  const panels: Panel[] = [];
  for (const cell of ['gru', 'lstm'] as const) {
    const name = `${cell}-${s.depth}x${s.depthUnits}`;
    const { step, sig } = await modelWithSignature(
      ctx,
      name,
      corpus,
      s.train({ cell, layers: s.depth, units: s.depthUnits }),
      s.signature({ state: stateFor(cell), ...s.depthSignature }),
    );
    for (const layer of sig.layers) {
      panels.push({
        label: `${cell.toUpperCase()} ${s.depth}×${s.depthUnits}`,
        signature: `signatures/${name}.json`,
        layer: layer.layer,
      });
    }
    // Section 5's capacity claim: the upper layers read again by decoders twice as deep and as large (decoder-depth.ts).
    const depthGains: DepthGain[] = [];
    for (const layer of upperLayers(s.depth)) {
      const deep = await ensureSignature(
        ctx,
        `${name}-deep-decoder-layer${layer}`,
        step.analysable,
        corpus,
        s.signature({
          state: stateFor(cell),
          ...s.depthSignature,
          layers: [layer - 1],
          decoder: {
            ...s.signature(s.depthSignature).decoder,
            hidden: deeperDecoder(sig.layers.find((l) => l.layer === layer)!, sig.alphabet.length),
          },
        }),
      );
      depthGains.push(depthGain(sig, deep, layer));
    }
    rows.push({
      cell,
      layers: s.depth,
      units: s.depthUnits,
      depthGains,
      evalPerplexity: step.config.metrics.evalPerplexity,
      marginalAccuracyByLayer: sig.layers.map((l) => marginal(l)),
      meanAccuracyByLayer: sig.layers.map((l) => mean(marginal(l))),
      meanAccuracyStdErrorByLayer: sig.layers.map(meanAccuracyStdError),
    });
  }
  return {
    figure: 'fig3',
    title: 'Recall by layer in deep GRU and LSTM language models',
    panels,
    numbers: {
      corpus: corpus.record,
      training: trainingSettings(s.train({})),
      signature: signatureSettings(s.signature(s.depthSignature)),
      models: rows,
    },
  };
}

/** Figure 4: domain adaptation: out-of-domain, fine-tuned on 5% of the target, and in-domain LSTMs. */
export async function figure4(ctx: ExperimentContext): Promise<FigureResult> {
  const s = experimentSettings(ctx.quick);
  const source = await loadCorpus(s.shakespeare, ctx.shakespeare);
  const target = await loadCorpus(s.sotu, ctx.shakespeare);
  const cell = 'lstm' as const;
  const base = s.train({ cell, units: s.units });
  const outOfDomain = await ensureModel(ctx, 'shakespeare-lstm', source, base);
  const small = subsampleTrain(target, s.adaptFraction, 7);
  const initial = new Map([...outOfDomain.model.params].map(([n, t]) => [n, t.data]));
  const adapted = await ensureModel(
    ctx,
    'adapted-lstm',
    small,
    { ...base, epochs: s.adaptEpochs, lr: base.lr / 2 },
    initial,
  );
  // The paper does not say how long it retrained: besides the short fine-tuning above, one that runs until the
  // target's dev perplexity stops improving shows how the signature moves as the model adapts further.
  const converged = await ensureModel(
    ctx,
    'adapted-lstm-converged',
    small,
    { ...base, epochs: s.adaptMaxEpochs, patience: 2, lr: base.lr / 2 },
    initial,
  );
  const inDomain = await ensureModel(ctx, 'target-lstm', target, base);
  const gemm = contextGemm(ctx);
  const perplexity = (m: typeof inDomain) =>
    evaluateCharLm(m.model, target.partitions.eval, target.alphabet.symbols, gemm).perplexity;
  const ppl = {
    outOfDomain: perplexity(outOfDomain),
    adapted: perplexity(adapted),
    adaptedConverged: perplexity(converged),
    inDomain: perplexity(inDomain),
  };
  const sigs: Record<string, Signature> = {};
  for (const [name, m] of [
    ['shakespeare-lstm', outOfDomain],
    ['adapted-lstm', adapted],
    ['adapted-lstm-converged', converged],
    ['target-lstm', inDomain],
  ] as const) {
    sigs[name] = await ensureSignature(
      ctx,
      `${name}-on-target`,
      charLmAnalysable(m.model, gemm, m.weightsSha256),
      target,
      s.signature({ state: 'c' }),
    );
  }
  const sim = (a: string, b: string) => ({
    ...signatureSimilarity(sigs[a]!, layerOf(sigs[a]!), sigs[b]!, layerOf(sigs[b]!)),
    differingCells: differingCells(sigs[a]!, sigs[b]!),
  });
  return {
    figure: 'fig4',
    title: 'Domain adaptation: signatures on the target domain of out-of-domain, fine-tuned and in-domain LSTMs',
    panels: [
      { label: 'trained on Shakespeare', signature: 'signatures/shakespeare-lstm-on-target.json', layer: 1 },
      {
        label: `fine-tuned on ${100 * s.adaptFraction}% of the target, ${s.adaptEpochs} epochs`,
        signature: 'signatures/adapted-lstm-on-target.json',
        layer: 1,
      },
      {
        label: `fine-tuned until the target's dev perplexity stops improving`,
        signature: 'signatures/adapted-lstm-converged-on-target.json',
        layer: 1,
      },
      { label: 'trained on the target', signature: 'signatures/target-lstm-on-target.json', layer: 1 },
    ],
    numbers: {
      source: source.record,
      target: target.record,
      training: trainingSettings(base),
      signature: signatureSettings(s.signature({ state: 'c' })),
      fineTuneSymbols: small.record.symbols.train,
      fineTuneEpochs: {
        adapted: adapted.config.training?.epochsCompleted ?? null,
        converged: converged.config.training?.epochsCompleted ?? null,
      },
      targetEvalPerplexity: ppl,
      gapAdaptedToInDomain: ppl.adapted - ppl.inDomain,
      gapOutOfDomainToAdapted: ppl.outOfDomain - ppl.adapted,
      gapConvergedToInDomain: ppl.adaptedConverged - ppl.inDomain,
      gapOutOfDomainToConverged: ppl.outOfDomain - ppl.adaptedConverged,
      similarity: {
        adaptedVsInDomain: sim('adapted-lstm', 'target-lstm'),
        adaptedVsOutOfDomain: sim('adapted-lstm', 'shakespeare-lstm'),
        convergedVsInDomain: sim('adapted-lstm-converged', 'target-lstm'),
        convergedVsOutOfDomain: sim('adapted-lstm-converged', 'shakespeare-lstm'),
        outOfDomainVsInDomain: sim('shakespeare-lstm', 'target-lstm'),
      },
    },
  };
}

/**
 * How many cells (δ, symbol) of two signatures' first layers differ beyond chance: two-proportion tests of the
 * recalls, Benjamini–Hochberg at a 5% false-discovery rate (as `memsig diff` marks them).
 */
function differingCells(a: Signature, b: Signature): ReturnType<typeof countDifferingCells> {
  return countDifferingCells(layerOf(a), layerOf(b), alignSignatures(a, b));
}

/** Figure 5: what a 1-layer GRU and a 5-gram remember, symbol by symbol, on the WSJ stand-in. */
export async function figure5(ctx: ExperimentContext): Promise<FigureResult> {
  const s = experimentSettings(ctx.quick);
  const corpus = await loadCorpus(s.sotu, ctx.shakespeare);
  const gemm = contextGemm(ctx);
  const gru = await ensureModel(ctx, 'gru', corpus, s.train({ cell: 'gru', units: s.units }));
  const gruModel = charLmAnalysable(gru.model, gemm, gru.weightsSha256);
  const options = s.signature({ state: 'h' });
  // The same decoder size for both models, so that differences come from the states, not the decoders.
  const target = gruModel.layerParameterCount(0);
  const gruSig = await ensureSignature(ctx, 'gru', gruModel, corpus, options);
  const ngram = trainNgram(corpus.partitions.train, corpus.alphabet.size, { order: 5 });
  const ngramEval = ngram.evaluate(corpus.partitions.eval, corpus.alphabet.symbols);
  const ngramSig = await ensureSignature(
    ctx,
    'ngram5',
    ngramAnalysable(ngram, { label: '5-gram (modified Kneser-Ney)', decoderTarget: target }),
    corpus,
    options,
  );
  const g = layerOf(gruSig);
  const n = layerOf(ngramSig);
  // Per δ, the symbols whose recall differs most between the two models.
  const differences = g.deltas.map((d, i) => {
    const other = n.deltas[i]!;
    const diffs = corpus.alphabet.symbols
      .map((symbol, j) => ({
        symbol,
        gru: d.recall[j],
        ngram: other.recall[j],
        count: Math.min(d.count[j]!, other.count[j]!),
      }))
      .filter((x) => x.gru != null && x.ngram != null && x.count >= 30)
      .map((x) => ({ symbol: x.symbol, difference: x.gru! - x.ngram! }))
      .sort((a, b) => Math.abs(b.difference) - Math.abs(a.difference));
    return { delta: d.delta, largest: diffs.slice(0, 5) };
  });
  return {
    figure: 'fig5',
    title: 'Recall of a 1-layer GRU minus recall of a 5-gram (red: the GRU remembers better)',
    panels: [
      { label: 'GRU', signature: 'signatures/gru.json', layer: 1 },
      { label: '5-gram', signature: 'signatures/ngram5.json', layer: 1 },
    ],
    numbers: {
      corpus: corpus.record,
      training: trainingSettings(s.train({})),
      signature: signatureSettings(options),
      gruEvalPerplexity: gru.config.metrics.evalPerplexity,
      ngram: { order: 5, ngrams: ngram.ngramCount, evalPerplexity: ngramEval.perplexity },
      gruMarginal: marginal(g),
      ngramMarginal: marginal(n),
      similarity: signatureSimilarity(gruSig, g, ngramSig, n),
      largestDifferences: differences,
      differingCells: differingCells(gruSig, ngramSig),
    },
  };
}

/** The paper's Figure 6 bigrams, and 'he', which its text discusses: the bases Figure 6 analyses unless told others. */
export const FIG6_BIGRAMS: readonly string[] = ['xt', 'ha', 'in', 'ld', 'po', 'he'];

/** A bigram as part of a file name: space as '_', the other symbols (letters, '#', "'", '.') as they are. */
function fileSafe(bigram: string): string {
  return bigram.replaceAll(' ', '_');
}

/** Figure 6: signatures of a factorized-kernel LSTM restricted to its base W0 or to W0 plus one bigram basis. */
export async function figure6(ctx: ExperimentContext): Promise<FigureResult> {
  const s = experimentSettings(ctx.quick);
  const corpus = await loadCorpus(s.factorizedCorpus, ctx.shakespeare);
  const symbols = corpus.alphabet.symbols;
  // Bigrams checked before any training.
  const bigrams = [...new Set(ctx.bases ?? FIG6_BIGRAMS)];
  const indices = basesOfBigrams(bigrams, symbols);
  const gemm = contextGemm(ctx);
  const config = s.train({ cell: 'factorized-lstm', units: s.factorizedUnits, maxSteps: s.factorizedSteps });
  const { model, weightsSha256 } = await ensureFactorizedModel(ctx, 'factorized', corpus, config);
  const options = s.signature({ state: 'c', ...s.factorizedSignature });
  const basisOf = (bigram: string) => indices[bigrams.indexOf(bigram)]!;
  // The paper does not say how it formed a basis's states: W0 plus that basis (as the task reads it), and, as our
  // addition, the basis alone without W0; last, our control: no recurrent kernel at all, what the cell's gates keep.
  const restrictions: { name: string; label: string; restrict: KernelRestriction; bigram?: string }[] = [
    { name: 'full', label: 'full kernel', restrict: { kind: 'full' } },
    { name: 'base', label: 'base W0', restrict: { kind: 'base' } },
    ...bigrams.map((bigram) => ({
      name: `basis-${fileSafe(bigram)}`,
      label: `W0 + '${bigram}' basis`,
      bigram,
      restrict: { kind: 'basis', index: basisOf(bigram) } as KernelRestriction,
    })),
    ...bigrams.map((bigram) => ({
      name: `alone-${fileSafe(bigram)}`,
      label: `'${bigram}' basis alone`,
      bigram,
      restrict: { kind: 'basis-alone', index: basisOf(bigram) } as KernelRestriction,
    })),
    { name: 'no-kernel', label: 'no recurrent kernel', restrict: { kind: 'none' } },
  ];
  const sigs: { name: string; label: string; bigram?: string; sig: Signature; perplexity: number }[] = [];
  for (const r of restrictions) {
    const sig = await ensureSignature(
      ctx,
      r.name,
      factorizedAnalysable(model, gemm, r.restrict, weightsSha256, symbols),
      corpus,
      options,
    );
    const perplexity = sig.forward?.perplexity ?? Number.NaN;
    sigs.push({ name: r.name, label: r.label, bigram: r.bigram, sig, perplexity });
  }
  const base = sigs.find((x) => x.name === 'base')!;
  const bases = sigs.filter((x) => x.name.startsWith('basis-'));
  const alone = sigs.filter((x) => x.name.startsWith('alone-'));
  const pairsOf = (list: typeof sigs) =>
    list.flatMap((a, i) =>
      list.slice(i + 1).map((b) => ({
        a: a.name,
        b: b.name,
        ...signatureSimilarity(a.sig, layerOf(a.sig), b.sig, layerOf(b.sig)),
        differingCells: differingCells(a.sig, b.sig),
      })),
    );
  return {
    figure: 'fig6',
    title: 'Memory signatures of a factorized-kernel LSTM: the base kernel and single bigram bases',
    panels: sigs
      .filter((x) => x.name !== 'full')
      .map((x) => ({ label: x.label, signature: `signatures/${x.name}.json`, layer: 1 })),
    numbers: {
      corpus: corpus.record,
      training: trainingSettings(config),
      signature: signatureSettings(options),
      units: config.units,
      steps: config.maxSteps,
      restrictions: sigs.map((x) => ({
        name: x.name,
        label: x.label,
        bigram: x.bigram,
        evalPerplexity: x.perplexity,
        marginalAccuracy: marginal(layerOf(x.sig)),
        meanAccuracy: mean(marginal(layerOf(x.sig))),
      })),
      basisVsBase: bases.map((x) => ({
        name: x.name,
        ...signatureSimilarity(base.sig, layerOf(base.sig), x.sig, layerOf(x.sig)),
      })),
      basisVsBasis: pairsOf(bases),
      aloneVsBase: alone.map((x) => ({
        name: x.name,
        ...signatureSimilarity(base.sig, layerOf(base.sig), x.sig, layerOf(x.sig)),
      })),
      aloneVsAlone: pairsOf(alone),
    },
  };
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}
