// One `memsig asr train` run: read the corpus and its features, train a LAS with checkpoints (resumable, stoppable
// with Ctrl-C) and an attention-map PNG of a fixed dev utterance every --probe-every steps, then save the best
// weights as a model directory and measure them on the eval split. Only a complete model is written to --out.

import { join } from 'node:path';
import { renderAttentionMap } from '../asr/attention-map.js';
import { countCharacterErrors, countWordErrors, errorRate } from '../asr/error-rates.js';
import { decodeGraphemes } from '../asr/graphemes.js';
import { emptyLasMetrics, type LasMetrics, type LasModelConfig } from '../asr/las-model-config.js';
import { defaultDecodeConfig, describeDecoding, recognizeUtterances } from '../asr/recognize.js';
import { type AsrTrainConfig, flagOf, lasConfigOf, validateAsrTrainConfig } from '../asr/train-config.js';
import { type AsrProbe, type AsrSnapshot, type AsrTrainResult, trainLas } from '../asr/train-las.js';
import type { Utterance } from '../asr/utterances.js';
import type { BackendName } from '../backends/index.js';
import { UserError } from '../core/errors.js';
import { ensureDir, writeFileAtomic } from '../io/atomic.js';
import { type AsrRunIdentity, readAsrCheckpoint, writeAsrCheckpoint } from '../io/las-checkpoint.js';
import { CONFIG_FILE, saveLasModelDir, WEIGHTS_FILE } from '../io/model-dir.js';
import { renderPng } from '../render/png.js';
import { defaultFeatureOptions } from '../speech/feature-cache.js';
import { defaultSpeechAlphabet } from '../speech/manifest.js';
import { loadCorpusUtterances, readSpeechCorpus } from './asr-data.js';
import { asrEpochLine, asrStepLine, StatusLine } from './asr-progress.js';
import { defaultThreads, makeGemm } from './backend.js';
import { formatDuration, formatPercent, shellQuote } from './format.js';
import { onInterrupt } from './interrupt.js';
import { type CliHooks, type CliIo, writeLine } from './io.js';
import { checkTrainDir, trainDirPaths } from './train-dir.js';
import { EXIT_INTERRUPTED } from './train-run.js';

export interface AsrTrainOptions {
  /** A corpus folder or its manifest.jsonl. */
  data: string;
  out: string;
  config: AsrTrainConfig;
  backend: BackendName;
  threads: number | undefined;
  resume: boolean;
  force: boolean;
  checkpointEvery: number;
  probeEvery: number;
  /** Data-parallel shards of each batch (1: serial steps with the --threads GEMM). */
  shards: number;
  json: boolean;
  /** The command that repeats this run (no --resume or --force), for the "resume with" hint. */
  commandLine: string[];
}

export interface AsrTrainSummary {
  out: string;
  steps: number;
  epochs: number;
  bestStep: number;
  seconds: number;
  utterancesPerSecond: number;
  metrics: LasMetrics;
  align: number | null;
}

/** Where the attention maps go: DIR/attention/step-000120.png. */
export const ATTENTION_DIR = 'attention';

export async function runAsrTrain(opts: AsrTrainOptions, io: CliIo, hooks: CliHooks = {}): Promise<number> {
  const { config } = opts;
  validateAsrTrainConfig(config);
  const paths = trainDirPaths(opts.out);
  await checkTrainDir(paths, opts.resume, opts.force);
  const alphabet = defaultSpeechAlphabet();
  const features = defaultFeatureOptions();
  const corpus = await readSpeechCorpus(opts.data, alphabet);
  const identity: AsrRunIdentity = { manifestSha256: corpus.sha256, features: JSON.stringify(features) };
  const resumeFrom = opts.resume ? await loadResume(paths.checkpoint, config, identity) : undefined;
  const of = (split: string) => corpus.entries.filter((e) => e.split === split);
  const load = (split: string, speeds: readonly number[]) =>
    loadCorpusUtterances(corpus, of(split), features, alphabet, speeds, io, hooks.now);
  const train = await load('train', config.speeds);
  const dev = await load('dev', []);
  const gemm = hooks.gemm ?? makeGemm(opts.backend, opts.threads ?? defaultThreads());
  const bins = features.fbank.melBins + (features.fbank.useEnergy ? 1 : 0);
  const data = {
    train,
    dev,
    alphabet,
    bins,
    frameShift: features.fbank.frameShiftMs / 1000,
    frameLength: features.fbank.frameLengthMs / 1000,
  };
  writeLine(
    io.stderr,
    `training LAS (listener ${config.listenerLayers} × ${config.listenerUnits} BLSTM, ${listenerMs(config, features.fbank.frameShiftMs)} ms per frame; speller ${config.spellerLayers} × ${config.spellerUnits}) on ${corpus.manifestPath}: ` +
      `${train.length} train / ${dev.length} dev utterances (${hours(train)} / ${hours(dev)} h); backend ${gemm.name}`,
  );
  if (resumeFrom) writeLine(io.stderr, `resuming from ${paths.checkpoint} at step ${resumeFrom.step}`);

  const status = new StatusLine(io.stderr, io.isTTY, hooks.now);
  const stop = onInterrupt((line) => status.log(line), 'stopping after the current step', hooks.signal);
  let result: AsrTrainResult;
  let dirReady = false;
  const ready = async () => {
    if (!dirReady) await ensureDir(join(opts.out, ATTENTION_DIR));
    dirReady = true;
  };
  try {
    status.start();
    result = await trainLas(data, config, {
      gemm,
      // Each shard's GEMM is single-threaded: the shards, not the products, share the cores.
      parallel:
        opts.shards > 1 ? { shards: opts.shards, backend: opts.backend, gemm: makeGemm(opts.backend, 1) } : undefined,
      signal: stop.signal,
      resumeFrom,
      now: hooks.now,
      checkpointEvery: opts.checkpointEvery,
      probeEvery: opts.probeEvery,
      onSnapshot: async (s: AsrSnapshot) => {
        await ready();
        await writeAsrCheckpoint(paths.checkpoint, s, config, identity);
      },
      onProbe: async (p: AsrProbe) => {
        await ready();
        await writeAttentionPng(join(opts.out, ATTENTION_DIR, `step-${String(p.step).padStart(6, '0')}.png`), p);
      },
      yieldEachStep: () => new Promise<void>((resolve) => setImmediate(resolve)),
      onProgress: (p) => {
        if (p.epochRecord) status.log(asrEpochLine(p.epochRecord));
        else status.update(() => asrStepLine(p, config.epochs), p.step / Math.max(1, p.totalSteps));
      },
    });
  } finally {
    status.clear();
    stop.dispose();
  }
  const snap = result.snapshot;
  if (result.interrupted) {
    writeLine(io.stderr, `stopped at step ${snap.step}; resume with: ${shellQuote([...opts.commandLine, '--resume'])}`);
    if (opts.json)
      writeLine(io.stdout, JSON.stringify({ interrupted: true, step: snap.step, checkpoint: paths.checkpoint }));
    return EXIT_INTERRUPTED;
  }

  const evalSet = await load('eval', []);
  const decode = defaultDecodeConfig();
  const best = snap.history.find((r) => r.step === snap.bestStep) ?? null;
  const metrics: LasMetrics = {
    ...emptyLasMetrics(),
    devCer: best?.devCer ?? null,
    devCtcCer: best?.devCtcCer ?? null,
  };
  if (evalSet.length > 0) {
    const rec = recognizeUtterances(
      gemm,
      result.model,
      evalSet.map((u) => ({ ...u.copies[0]!, labels: u.labels })),
      bins,
      decode,
    );
    const text = (ids: Int32Array) => decodeGraphemes(ids, alphabet);
    metrics.evalCer = errorRate(evalSet.map((u, i) => countCharacterErrors(u.transcript, text(rec[i]!.tokens))));
    metrics.evalWer = errorRate(evalSet.map((u, i) => countWordErrors(u.transcript, text(rec[i]!.tokens))));
    metrics.evalCtcCer = rec[0]?.ctcTokens
      ? errorRate(evalSet.map((u, i) => countCharacterErrors(u.transcript, text(rec[i]!.ctcTokens!))))
      : null;
    metrics.decoding = describeDecoding(decode);
  }
  const count = (split: string) => corpus.entries.filter((e) => e.split === split);
  const sumHours = (split: string) => count(split).reduce((s, e) => s + e.duration, 0) / 3600;
  const modelConfig: LasModelConfig = {
    format: 'memsig-model',
    version: 1,
    kind: 'las',
    las: lasConfigOf(config, bins, alphabet.length),
    graphemes: [...alphabet],
    features: { sampleRate: features.sampleRate, fbank: features.fbank, cmvn: 'utterance' },
    data: {
      manifest: corpus.manifestPath,
      sha256: corpus.sha256,
      utterances: { train: count('train').length, dev: count('dev').length, eval: count('eval').length },
      hours: { train: sumHours('train'), dev: sumHours('dev'), eval: sumHours('eval') },
    },
    training: {
      ...config,
      steps: snap.step,
      epochsCompleted: snap.epoch,
      bestStep: snap.bestStep,
      wallSeconds: snap.elapsedSeconds,
      utterancesPerSecond: snap.elapsedSeconds > 0 ? snap.utterances / snap.elapsedSeconds : 0,
    },
    metrics,
  };
  await saveLasModelDir(opts.out, modelConfig, result.model.params);
  const summary: AsrTrainSummary = {
    out: opts.out,
    steps: snap.step,
    epochs: snap.epoch,
    bestStep: snap.bestStep,
    seconds: snap.elapsedSeconds,
    utterancesPerSecond: modelConfig.training!.utterancesPerSecond,
    metrics,
    align: best?.devAlign ?? null,
  };
  if (opts.json) writeLine(io.stdout, JSON.stringify(summary));
  else {
    writeLine(
      io.stdout,
      `saved ${opts.out} (${CONFIG_FILE}, ${WEIGHTS_FILE}; attention maps in ${join(opts.out, ATTENTION_DIR)})`,
    );
    writeLine(
      io.stdout,
      `  ${snap.step} steps, ${snap.epoch} epochs (best dev CER at step ${snap.bestStep}), ${formatDuration(snap.elapsedSeconds)}, ${summary.utterancesPerSecond.toFixed(1)} utterances/s`,
    );
    const ctc = metrics.devCtcCer === null ? '' : ` (CTC alone ${formatPercent(metrics.devCtcCer)})`;
    writeLine(
      io.stdout,
      `  dev CER ${formatPercent(metrics.devCer)}${ctc}, alignment ${summary.align?.toFixed(2) ?? 'n/a'}`,
    );
    if (metrics.evalCer !== null) {
      const ectc = metrics.evalCtcCer === null ? '' : ` (CTC alone CER ${formatPercent(metrics.evalCtcCer)})`;
      writeLine(
        io.stdout,
        `  eval CER ${formatPercent(metrics.evalCer)}, WER ${formatPercent(metrics.evalWer)}${ectc}; ${metrics.decoding}`,
      );
    }
  }
  return 0;
}

/** The PNG of a probe's attention map. */
export async function writeAttentionPng(path: string, p: AsrProbe): Promise<void> {
  const s = p.score;
  const svg = renderAttentionMap({
    weights: p.weights,
    steps: p.steps,
    frames: p.frames,
    labels: p.labels,
    frameSeconds: p.frameSeconds,
    title: `Attention of dev utterance ${p.utterance} at step ${p.step}`,
    subtitle: `dev probe: align ${s.score.toFixed(2)} (focus ${s.focus.toFixed(2)}, diagonal ${s.diagonal.toFixed(2)}, monotonic ${s.monotonic.toFixed(2)})`,
  });
  await writeFileAtomic(path, renderPng(svg, { scale: 2 }));
}

/** Settings that only decide when training stops: --resume may change them (e.g. to train a finished run longer). */
const STOPPING_KEYS = new Set(['epochs', 'maxSteps', 'patience']);

async function loadResume(path: string, config: AsrTrainConfig, identity: AsrRunIdentity): Promise<AsrSnapshot> {
  const loaded = await readAsrCheckpoint(path);
  if (loaded.identity.manifestSha256 !== identity.manifestSha256 || loaded.identity.features !== identity.features) {
    throw new UserError(
      `${path}: the checkpoint was trained on another corpus (or other features); resume with the same --data`,
    );
  }
  const then = loaded.config as unknown as Record<string, unknown>;
  const now = config as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(then), ...Object.keys(now)])) {
    if (STOPPING_KEYS.has(key)) continue;
    if (JSON.stringify(then[key]) !== JSON.stringify(now[key])) {
      throw new UserError(
        `${path}: ${flagOf(key as keyof AsrTrainConfig)} is ${JSON.stringify(now[key])} now but was ${JSON.stringify(then[key])} when the checkpoint was made; resume with the same flags`,
      );
    }
  }
  return loaded.snapshot;
}

function hours(utterances: readonly Utterance[]): string {
  return (utterances.reduce((s, u) => s + u.duration, 0) / 3600).toFixed(2);
}

function listenerMs(c: AsrTrainConfig, shiftMs: number): number {
  return shiftMs * c.stack * 2 ** c.pyramidLayers;
}
