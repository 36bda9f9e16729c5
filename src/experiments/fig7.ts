// Figure 7 (paper section 8): what a Listen-Attend-Spell recognizer's layers remember of the graphemes spoken. The
// experiment synthesizes State of the Union speech (`memsig speech synth`) and trains a LAS on it (`memsig asr
// train`), or takes a corpus and model it is given; computes one signature of the features control, every listener
// layer and the speller's query; and judges the paper's claims on recorded criteria. Every step is kept on disk
// (the corpus's WAVs, the training checkpoint, the signature's finished layers), so a stopped run continues.

import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { decoderPoolRunner } from '../analysis/decoder-pool.js';
import { compareAlignmentMethods, topGrid } from '../analysis/las-alignments.js';
import type { LasUtterance } from '../analysis/las-batches.js';
import type { LasProbe } from '../analysis/las-probes.js';
import { type LasSignatureOptions, lasSignature } from '../analysis/las-signature.js';
import type { DeltaSignature, LayerSignature, Signature } from '../analysis/signature-types.js';
import { loadUtterances } from '../asr/utterances.js';
import { runAsrTrain } from '../cli/asr-train-run.js';
import { lasLayerName } from '../cli/las-signature-report.js';
import { frameTiming, lasUtterancesOf, readLasCorpus } from '../cli/las-signature-run.js';
import { EXIT_INTERRUPTED } from '../cli/train-run.js';
import { UserError } from '../core/errors.js';
import { corpusSourceName } from '../data/source-name.js';
import { ensureDir } from '../io/atomic.js';
import { checkpointedRunner, layerCheckpoints } from '../io/decoder-checkpoint-files.js';
import { LasPartialKeeper, lasInputsDigest, readLasPartial } from '../io/las-signature-partial.js';
import { type LoadedLas, loadLasModel } from '../io/load-model.js';
import { CONFIG_FILE } from '../io/model-dir.js';
import { readSignature, writeSignature } from '../io/signature-file.js';
import { decoderCheckpointDir, partialPath, removePartial } from '../io/signature-partial.js';
import { pValueClause } from '../render/svg.js';
import { defaultFeatureCacheDir } from '../speech/feature-cache.js';
import { defaultSpeechAlphabet, MANIFEST_FILE } from '../speech/manifest.js';
import { synthesizeCorpus } from '../speech/synth-corpus.js';
import { contextGemm, type ExperimentContext, statesLine } from './context.js';
import { type FigureResult, marginal, mean, meanAccuracyStdError } from './figures.js';
import { digestOf, MODEL_RECIPE_FILE, readRecipe, signatureRecipePath, writeRecipe } from './reuse.js';
import { experimentSettings, type LasExperimentSettings } from './settings.js';

/** One of the paper's claims as this experiment judges it: the criterion is recorded beside the verdict. */
export interface JudgedClaim {
  id: string;
  claim: string;
  criterion: string;
  ours: string;
  /** null: context, not a claim. */
  agrees: boolean | null;
  note?: string;
}

const pct = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const points = (x: number) => `${(100 * x).toFixed(1)} points`;

export async function figure7(ctx: ExperimentContext): Promise<FigureResult> {
  const s = experimentSettings(ctx.quick).las;
  if (ctx.lasModel !== undefined && ctx.speechData === undefined) {
    throw new UserError('fig7 --model needs --data: the speech corpus to read the model on');
  }
  const data = ctx.speechData ?? (await ensureSpeechCorpus(ctx, s));
  const modelDir = ctx.lasModel ?? (await ensureLasModel(ctx, data, s));
  const loaded = await loadLasModel(modelDir);
  const { config } = loaded;
  const corpus = await readLasCorpus(data, config.graphemes);
  const features = { sampleRate: config.features.sampleRate, fbank: config.features.fbank };
  const utterances = lasUtterancesOf(
    await loadUtterances(corpus.manifestPath, corpus.entries, {
      features,
      cacheDir: defaultFeatureCacheDir(dirname(corpus.manifestPath)),
      alphabet: config.graphemes,
    }),
  );
  // The synthesizer's word timings label the frames; a corpus without them is labelled by the model's attention.
  const timed = corpus.entries.every((e) => e.words !== null);
  const L = config.las.listenerLayers;
  const probes: LasProbe[] = [
    { role: 'features', window: s.featureWindow },
    ...Array.from({ length: L }, (_, layer): LasProbe => ({ role: 'encoder', layer })),
    { role: 'decoder', reads: 'query' },
  ];
  const options: LasSignatureOptions = {
    ...s.signature,
    probes,
    alignment: timed ? 'synth' : 'attention',
    ...frameTiming(loaded),
    source: shownPath(ctx, corpus.manifestPath),
  };
  if (!timed) ctx.log(`${corpus.manifestPath}: no word timings; frames are labelled through the model's attention`);
  const sig = await ensureLasSignature(ctx, 'las', loaded, utterances, options, corpus.sha256, features);

  const gemm = contextGemm(ctx);
  const evalSet = utterances.filter((u) => u.split === 'eval');
  const agreement = timed
    ? await compareAlignmentMethods(
        loaded.model,
        gemm,
        evalSet,
        { batch: options.batch, shiftSeconds: options.shiftSeconds, lengthSeconds: options.lengthSeconds },
        { signal: ctx.signal },
      )
    : null;
  const topFrameSeconds =
    topGrid(config.las, options.shiftSeconds, options.lengthSeconds).factor * options.shiftSeconds;

  const layers = sig.layers.map((l) => layerNumbers(l));
  const byRole = (role: string) => sig.layers.filter((l) => l.speech?.role === role);
  const encoders = byRole('encoder');
  const first = encoders[0]!;
  const last = encoders[encoders.length - 1]!;
  const query = byRole('decoder')[0]!;
  const control = byRole('features')[0]!;
  const claims = judgeClaims(first, last, query, control, encoders);
  const m = config.metrics;
  claims.push({
    id: 'alignment-agreement',
    claim:
      "Our addition: how far the synthesizer's word timings and the trained model's attention agree on where each grapheme is spoken.",
    criterion:
      'share of top-layer frames of the eval utterances both alignments give the same grapheme; mean offset of the attention’s grapheme centres from the synthesizer’s',
    ours: agreement
      ? `${pct(agreement.share)} of ${agreement.frames} frames agree over ${agreement.utterances} eval utterances; mean offset ${fmt(agreement.meanOffset, 2)} frames (${fmtMs(agreement.meanOffset, topFrameSeconds)}), mean |offset| ${fmt(agreement.meanAbsOffset, 2)} frames (${fmtMs(agreement.meanAbsOffset, topFrameSeconds)}); the model's eval CER ${pct(m.evalCer)}`
      : `the corpus has no word timings: frames were labelled by the attention alone; the model's eval CER ${pct(m.evalCer)}`,
    agrees: null,
    note: agreement
      ? 'the signature labels frames by the synthesizer’s timings; where the attention strays from them, it is what the speller attends to that moves, not what the encoder holds'
      : undefined,
  });

  return {
    figure: 'fig7',
    title: 'Memory signatures of a Listen-Attend-Spell speech recognizer',
    panels: [
      { label: 'first encoder layer', signature: 'signatures/las.json', layer: first.layer },
      { label: 'last encoder layer', signature: 'signatures/las.json', layer: last.layer },
      { label: 'decoder query vectors', signature: 'signatures/las.json', layer: query.layer },
    ],
    numbers: {
      speechCorpus: {
        source: options.source,
        sha256: corpus.sha256,
        synthesized: ctx.speechData === undefined,
        utterances: countBy(corpus.entries.map((e) => e.split)),
        hours: config.data?.hours ?? null,
        timed,
      },
      synth: ctx.speechData === undefined ? s.synth : null,
      model: {
        dir: shownPath(ctx, modelDir),
        given: ctx.lasModel !== undefined,
        las: config.las,
        training: config.training
          ? {
              steps: config.training.steps,
              epochsCompleted: config.training.epochsCompleted,
              bestStep: config.training.bestStep,
              wallSeconds: config.training.wallSeconds,
              batch: config.training.batch,
              lr: config.training.lr,
            }
          : null,
        metrics: m,
      },
      cer: { eval: m.evalCer, dev: m.devCer, evalWer: m.evalWer, decoding: m.decoding },
      lasSignature: {
        maxDelta: sig.maxDelta,
        state: sig.state,
        alignment: options.alignment,
        featureWindow: s.featureWindow,
        positions: { train: options.trainPositions, dev: options.devPositions, eval: options.evalPositions },
        keepProbs: options.decoder.keepProbs,
        batch: options.decoder.batch,
        whiten: options.decoder.standardize && options.decoder.whiten,
      },
      layers,
      marginalPanels: sig.layers.map((l) => ({ label: paperName(l), layer: l.layer })),
      alignmentAgreement: agreement ? { ...agreement, topFrameSeconds } : null,
      claims,
    },
  };
}

/** The numbers of one analysed layer: recall by δ with chance and p-values, δ = 0, and its mean over δ ≥ 1. */
function layerNumbers(l: LayerSignature) {
  const d0 = (d: DeltaSignature | undefined) =>
    d ? { accuracy: d.accuracy, chance: d.chanceAccuracy, pValue: d.pValue, informationBits: d.informationBits } : null;
  return {
    layer: l.layer,
    name: lasLayerName(l),
    label: l.speech?.label ?? null,
    role: l.speech?.role ?? null,
    stateSize: l.stateSize,
    current: d0(l.current),
    marginalAccuracy: marginal(l),
    chance: l.deltas.map((d) => d.chanceAccuracy),
    pValues: l.deltas.map((d) => d.pValue),
    informationBits: l.deltas.map((d) => d.informationBits),
    meanAccuracy: mean(marginal(l)),
    meanAccuracyStdError: meanAccuracyStdError(l),
    positions: l.deltas[0]?.positions ?? null,
  };
}

/** The paper's three claims about Figure 7, each judged on the criterion it records, and the features control. */
export function judgeClaims(
  first: LayerSignature,
  last: LayerSignature,
  query: LayerSignature,
  control: LayerSignature | undefined,
  encoders: readonly LayerSignature[],
): JudgedClaim[] {
  const meanOf = (l: LayerSignature) => mean(marginal(l));
  const apart = (a: LayerSignature, b: LayerSignature) => ({
    by: meanOf(a) - meanOf(b),
    margin: 2 * Math.hypot(meanAccuracyStdError(a), meanAccuracyStdError(b)),
  });
  const claims: JudgedClaim[] = [];

  const ab = apart(last, first);
  claims.push({
    id: 'last-encoder-recalls-more',
    claim: 'The last encoder layer recalls prior graphemes much more strongly than the first.',
    criterion:
      'mean recall over δ = 1..Δ of the last encoder layer above the first’s by more than two standard errors of the difference (a layer’s standard error from its eval positions per δ, as for Figure 3)',
    ours: `mean recall over δ: ${lasLayerName(first)} ${pct(meanOf(first))}, ${lasLayerName(last)} ${pct(meanOf(last))}; difference ${points(ab.by)}, two standard errors ${points(ab.margin)}`,
    agrees: first.layer === last.layer ? null : ab.by > ab.margin,
    note: first.layer === last.layer ? 'the model has one listener layer: nothing to compare' : undefined,
  });

  const ALPHA = 0.001;
  const early = [first.current, first.deltas[0]].filter((d): d is DeltaSignature => d !== undefined);
  const beats = (d: DeltaSignature) => d.pValue < ALPHA && d.accuracy > d.chanceAccuracy;
  claims.push({
    id: 'shallow-encoder-reads-graphemes',
    claim: 'Graphemes can be read even from the shallow encoder layers.',
    criterion: `the first encoder layer names the grapheme being spoken (δ = 0) and the one before it (δ = 1) above chance, one-sided exact binomial p < ${ALPHA}`,
    ours: early
      .map(
        (d) =>
          `δ = ${d.delta}: ${pct(d.accuracy)} (chance ${pct(d.chanceAccuracy)}, ${pValueClause(d.pValue)}, ${d.positions.eval} eval positions)`,
      )
      .join('; '),
    agrees: early.length > 0 && early.every(beats),
  });

  const others = encoders.map((e) => ({ e, ...apart(query, e) }));
  const closest = others.reduce((a, b) => (b.by - b.margin < a.by - a.margin ? b : a), others[0]!);
  claims.push({
    id: 'decoder-recalls-most',
    claim: "The decoder's query vector holds the most knowledge of prior graphemes.",
    criterion:
      'mean recall over δ = 1..Δ of the speller’s query above every encoder layer’s by more than two standard errors of the difference',
    ours: `mean recall over δ: decoder query ${pct(meanOf(query))}; ${encoders.map((e) => `${lasLayerName(e)} ${pct(meanOf(e))}`).join(', ')}; closest: ${lasLayerName(closest.e)}, ${points(closest.by)} apart (two standard errors ${points(closest.margin)})`,
    agrees: others.every((o) => o.by > o.margin),
    note: 'the query at step i is computed from grapheme i − 1, fed in (teacher forcing), so δ = 1 is its own input; speller steps are graphemes and encoder frames 30 ms or more of audio, so the chance levels differ too (the most frequent grapheme per step, per frame); recall is compared as the paper reads its figure',
  });

  if (control) {
    const vs = apart(first, control);
    claims.push({
      id: 'features-control',
      claim:
        'Our addition, a control: decoders reading the input features themselves (a window of frames) instead of a layer.',
      criterion: 'what the first encoder layer recalls beyond its own input',
      ours: `mean recall over δ: features control ${pct(meanOf(control))}, ${lasLayerName(first)} ${pct(meanOf(first))} (${points(vs.by)} apart, two standard errors ${points(vs.margin)}); δ = 0: control ${pct(control.current?.accuracy)}, ${lasLayerName(first)} ${pct(first.current?.accuracy)}`,
      agrees: null,
    });
  }
  return claims;
}

// ---- The steps, each found on disk when finished ----

/** The experiment's synthesized corpus, DIR/corpus (its WAVs are reused when a stopped run starts again). */
async function ensureSpeechCorpus(ctx: ExperimentContext, s: LasExperimentSettings): Promise<string> {
  const dir = join(ctx.dir, 'corpus');
  const recipe = digestOf({ corpus: 'sotu', synth: s.synth });
  const recipePath = join(dir, 'recipe.sha256');
  if (existsSync(join(dir, MANIFEST_FILE)) && (await readRecipe(recipePath)) === recipe) {
    ctx.log('corpus: found');
    return dir;
  }
  ctx.log(`corpus: synthesizing ${s.synth.hours} h of State of the Union speech in ${s.synth.voices.length} voices`);
  let lastLog = performance.now();
  const result = await synthesizeCorpus({
    corpus: 'sotu',
    outDir: dir,
    config: s.synth,
    threads: ctx.threads,
    signal: ctx.signal,
    onProgress: (p) => {
      const now = performance.now();
      if (now - lastLog < 30_000) return;
      lastLog = now;
      ctx.log(`corpus: ${p.done}/${p.total} utterances, ${(p.audioSeconds / 60).toFixed(1)} min of audio`);
    },
  });
  if (result.interrupted) throw ctx.signal?.reason ?? new Error('interrupted');
  await writeRecipe(recipePath, recipe);
  const u = result.info!.utterances;
  ctx.log(
    `corpus: ${u.train} train, ${u.dev} dev, ${u.eval} eval utterances (${result.info!.hours.total.toFixed(3)} h)`,
  );
  return dir;
}

/**
 * The LAS DIR/models/las, trained on `data` as `memsig asr train` trains (resuming its checkpoint), or found. One
 * trained with other settings or on another corpus is never replaced: that is a UserError.
 */
async function ensureLasModel(ctx: ExperimentContext, data: string, s: LasExperimentSettings): Promise<string> {
  const dir = join(ctx.dir, 'models', 'las');
  // `memsig asr train` spells with the default alphabet.
  const corpus = await readLasCorpus(data, defaultSpeechAlphabet());
  const recipe = digestOf({ train: s.train, manifestSha256: corpus.sha256 });
  const recipePath = join(dir, MODEL_RECIPE_FILE);
  if (existsSync(join(dir, CONFIG_FILE))) {
    const kept = await readRecipe(recipePath);
    if (kept !== null && kept !== recipe) {
      throw new UserError(
        `${dir} was trained on another corpus or with other settings; move it away to train a new one, or pass --model`,
      );
    }
    if (kept === null) await writeRecipe(recipePath, recipe);
    const loaded = await loadLasModel(dir);
    ctx.log(`las: found (eval CER ${pct(loaded.config.metrics.evalCer)})`);
    return dir;
  }
  const resume = existsSync(join(dir, 'checkpoint.safetensors'));
  const lines = lineSink((line) => ctx.log(`las: ${line}`));
  const code = await runAsrTrain(
    {
      data,
      out: dir,
      config: s.train,
      backend: ctx.backend,
      threads: ctx.threads,
      resume,
      force: false,
      checkpointEvery: s.checkpointEvery,
      probeEvery: s.probeEvery,
      shards: 1,
      json: false,
      commandLine: ['memsig', 'asr', 'train', '--data', data, '--out', dir],
    },
    { stdout: lines, stderr: lines, isTTY: false },
    { signal: ctx.signal },
  );
  lines.flush();
  if (code === EXIT_INTERRUPTED) throw ctx.signal?.reason ?? new Error('interrupted');
  if (code !== 0) throw new Error(`training the LAS in ${dir} ended with exit code ${code}`);
  await writeRecipe(recipePath, recipe);
  return dir;
}

/** The LAS signature DIR/signatures/NAME.json: read if finished with these inputs, else computed (resuming layers). */
async function ensureLasSignature(
  ctx: ExperimentContext,
  name: string,
  loaded: LoadedLas,
  utterances: readonly LasUtterance[],
  options: LasSignatureOptions,
  manifestSha256: string,
  features: unknown,
): Promise<Signature> {
  const path = join(ctx.dir, 'signatures', `${name}.json`);
  const gemm = contextGemm(ctx);
  const inputs = lasInputsDigest({
    weightsSha256: loaded.weightsSha256,
    manifestSha256,
    features,
    options,
    backend: gemm.name,
    generator: ctx.generator,
  });
  const recipePath = signatureRecipePath(path);
  if (existsSync(path) && (await readRecipe(recipePath)) === inputs) {
    ctx.log(`${name}: signature found`);
    return readSignature(path);
  }
  const partial = partialPath(path);
  const kept = (await readLasPartial(partial, inputs).catch(() => null)) ?? [];
  const checkpoints = layerCheckpoints(decoderCheckpointDir(path), inputs);
  const resumed = [
    ...(kept.length ? [`${kept.length} layer${kept.length === 1 ? '' : 's'} kept from before`] : []),
    ...(checkpoints.any() ? ['the decoders go on from their last round'] : []),
  ];
  ctx.log(
    `${name}: computing the LAS signature (Δ = ${options.maxDelta}, ${options.probes!.length} layers)` +
      (resumed.length ? ` (${resumed.join('; ')})` : ''),
  );
  const keeper = new LasPartialKeeper(partial, inputs, kept);
  const graphemes = loaded.config.graphemes;
  let lastLog = performance.now();
  let sig: Signature;
  try {
    sig = await lasSignature(loaded.model, utterances, graphemes, options, {
      gemm,
      signal: ctx.signal,
      generator: ctx.generator,
      weightsSha256: loaded.weightsSha256,
      yieldToHost: () => new Promise<void>((resolve) => setImmediate(resolve)),
      decoderRunner: checkpointedRunner(
        keeper.wrap(decoderPoolRunner({ threads: ctx.threads, backend: ctx.backend })),
        checkpoints,
      ),
      onProgress: (p) => {
        const now = performance.now();
        if (p.phase === 'layer-done') {
          const acc = p.layer.deltas.map((d) => (100 * d.accuracy).toFixed(0)).join(' ');
          const d0 = p.layer.current ? `δ = 0: ${(100 * p.layer.current.accuracy).toFixed(0)} %, ` : '';
          ctx.log(`${name}: ${lasLayerName(p.layer)} done; ${d0}accuracy by δ ≥ 1: ${acc} %`);
        } else if (p.phase === 'states' && (p.done >= p.total || now - lastLog > 30_000)) {
          lastLog = now;
          ctx.log(statesLine(name, p));
        } else if (p.phase === 'decoders' && now - lastLog > 30_000) {
          lastLog = now;
          const d = p.decoder;
          ctx.log(
            `${name}: layer ${p.layer}: keep ${d.keepProb}, epoch ${d.epoch}/${d.maxEpochs}, loss ${d.loss.toFixed(3)}`,
          );
        }
      },
    });
  } catch (err) {
    await keeper.settled().catch(() => {});
    throw err;
  }
  await keeper.settled();
  await ensureDir(dirname(path));
  await writeSignature(path, sig);
  await writeRecipe(recipePath, inputs);
  await removePartial(partial);
  checkpoints.removeAll();
  return sig;
}

// ---- Small helpers ----

/** A layer as the paper names it: "input features (control)", "encoder 2", "decoder". */
function paperName(l: LayerSignature): string {
  const role = l.speech?.role;
  if (role === 'features') return 'input features (control)';
  if (role === 'decoder') return 'decoder';
  return lasLayerName(l);
}

/** A path inside the experiment folder relative to it (the folder can move), any other as given. */
function shownPath(ctx: ExperimentContext, path: string): string {
  const rel = relative(ctx.dir, path);
  // Outside the experiment's folder: as corpora are named (relative to the working directory, else the file name),
  // never a path of this machine.
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : corpusSourceName(path);
}

/** Whole lines of what a CLI run writes, handed on one at a time (its partial lines kept until they end). */
function lineSink(say: (line: string) => void) {
  let pending = '';
  return {
    write(text: string): void {
      pending += text.replaceAll('\r\x1b[K', '');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line.trim() !== '') say(line.trim());
    },
    flush(): void {
      if (pending.trim() !== '') say(pending.trim());
      pending = '';
    },
  };
}

function countBy(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

function fmt(x: number | null, digits: number): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
}

function fmtMs(frames: number | null, frameSeconds: number): string {
  return frames === null || !Number.isFinite(frames) ? 'n/a' : `${(1000 * frames * frameSeconds).toFixed(0)} ms`;
}
