// One `memsig signature --model LAS --data DIR` run: load a Listen-Attend-Spell model directory and a speech corpus
// (features from the cache beside the audio), compute the memory signature of its listener layers, speller and
// features control (paper section 8) with progress on stderr, keep each layer's finished decoders in
// OUT.partial.json (so that --resume after a Ctrl-C or a crash trains only the unfinished layers), and write OUT
// once, atomically, at the very end. An existing OUT is only replaced with --force.

import fsp from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { decoderWorkPlan } from '../analysis/decoder-eta.js';
import { decoderPoolRunner } from '../analysis/decoder-pool.js';
import { fitDecoders } from '../analysis/decoders.js';
import type { LasUtterance } from '../analysis/las-batches.js';
import { orderProbes, probeLabel } from '../analysis/las-probes.js';
import { defaultProbes, type LasSignatureOptions, lasSignature } from '../analysis/las-signature.js';
import type { DecoderRunner } from '../analysis/signature.js';
import type { Signature } from '../analysis/signature-types.js';
import type { Utterance } from '../asr/utterances.js';
import type { BackendName } from '../backends/index.js';
import { UserError } from '../core/errors.js';
import type { Gemm } from '../core/gemm.js';
import { corpusSourceName } from '../data/source-name.js';
import { ensureDir } from '../io/atomic.js';
import { checkpointedRunner, layerCheckpoints } from '../io/decoder-checkpoint-files.js';
import { LasPartialKeeper, lasInputsDigest, readLasPartial } from '../io/las-signature-partial.js';
import { type LoadedLas, loadLasModel } from '../io/load-model.js';
import { readJsonFile } from '../io/read-file.js';
import { writeSignature } from '../io/signature-file.js';
import { decoderCheckpointDir, partialPath, removePartial } from '../io/signature-partial.js';
import { CORPUS_INFO_FILE } from '../speech/corpus-summary.js';
import { MANIFEST_FILE, SPLITS } from '../speech/manifest.js';
import { loadCorpusUtterances, readSpeechCorpus, type SpeechCorpus } from './asr-data.js';
import { defaultThreads, makeGemm } from './backend.js';
import { onInterrupt } from './interrupt.js';
import { type CliHooks, type CliIo, writeLine } from './io.js';
import { type LasSignatureSettings, type ProbeSpec, resolveProbes } from './las-signature-flags.js';
import { LasSignatureProgressReporter } from './las-signature-progress.js';
import { lasConvergenceWarnings, lasSignatureSummary, printLasSignatureTable } from './las-signature-report.js';
import { withSignatureOut } from './signature-out.js';
import { reportStopped, resumeLine, type SignatureOutcome } from './signature-run.js';
import { pathExists } from './train-dir.js';
import { generatorName } from './version.js';

export interface LasSignatureRunOptions {
  /** The LAS model directory. */
  model: string;
  /** A corpus folder of `memsig speech synth` / `prepare`, or its manifest.jsonl. */
  data: string;
  out: string;
  settings: LasSignatureSettings;
  /** The layers asked for (--probes), or null: every listener layer and the speller's query. */
  probes: ProbeSpec[] | null;
  backend: BackendName;
  threads: number | undefined;
  resume: boolean;
  force: boolean;
  json: boolean;
  /** The command that repeats this run (no --resume), for the "resume with" hint. */
  commandLine: string[];
}

/** `memsig signature` of a LAS: computes, writes and prints the summary (a table, or JSON with --json). */
export async function runLasSignature(opts: LasSignatureRunOptions, io: CliIo, hooks: CliHooks = {}): Promise<number> {
  const outcome = await computeLasSignature(opts, io, hooks);
  if (outcome.signature) {
    if (opts.json) {
      writeLine(io.stdout, JSON.stringify(lasSignatureSummary(outcome.signature, opts.out, outcome.seconds ?? 0)));
      for (const line of lasConvergenceWarnings(outcome.signature)) writeLine(io.stderr, line);
    } else {
      printLasSignatureTable(io, outcome.signature, opts.out);
    }
  }
  return outcome.code;
}

/** A LAS model's utterances as the signature reads them: the features as recorded (no speed copies). */
export function lasUtterancesOf(utterances: readonly Utterance[]): LasUtterance[] {
  return utterances.map((u) => ({ ...u, frames: u.copies[0]!.frames, features: u.copies[0]!.features }));
}

/** Where frames sit in time (seconds), from the features a model directory was trained on. */
export function frameTiming(loaded: LoadedLas): { shiftSeconds: number; lengthSeconds: number } {
  const fbank = loaded.config.features.fbank;
  return { shiftSeconds: fbank.frameShiftMs / 1000, lengthSeconds: fbank.frameLengthMs / 1000 };
}

/**
 * Computes the signature and writes it to opts.out; progress and the interruption notice go to stderr, nothing to
 * stdout (but the one-line JSON of an interrupted run with --json). Errors throw (one-line UserErrors).
 */
export async function computeLasSignature(
  opts: LasSignatureRunOptions,
  io: CliIo,
  hooks: CliHooks = {},
): Promise<SignatureOutcome> {
  return withSignatureOut(opts.out, opts.force, () => computeLasSignatureHeld(opts, io, hooks));
}

/** computeLasSignature, with --out checked and its lock held. */
async function computeLasSignatureHeld(
  opts: LasSignatureRunOptions,
  io: CliIo,
  hooks: CliHooks,
): Promise<SignatureOutcome> {
  const now = hooks.now ?? (() => performance.now());
  const started = now();
  const loaded = await loadLasModel(opts.model);
  const { model, config } = loaded;
  const las = config.las;
  // The layers are checked against the model before the corpus is read.
  const probes = orderProbes(
    las,
    resolveProbes(opts.probes, las.listenerLayers) ?? defaultProbes(model, opts.settings.target),
  );
  if (opts.settings.target === 'audio-unit' && probes.some((p) => p.role === 'decoder')) {
    throw new UserError(
      '--target audio-unit: audio units belong to frames and the speller has none; leave the decoder out of --probes',
    );
  }
  const corpus = await readLasCorpus(opts.data, config.graphemes);
  const options: LasSignatureOptions = {
    ...opts.settings,
    probes,
    ...frameTiming(loaded),
    source: corpusSourceName(corpus.manifestPath),
  };
  const features = { sampleRate: config.features.sampleRate, fbank: config.features.fbank };
  const gemm: Gemm = hooks.gemm ?? makeGemm(opts.backend, opts.threads ?? defaultThreads());
  const generator = generatorName();
  const inputs = lasInputsDigest({
    weightsSha256: loaded.weightsSha256,
    manifestSha256: corpus.sha256,
    features,
    options,
    backend: gemm.name,
    generator,
  });
  const partial = partialPath(opts.out);
  const kept = opts.resume ? await readLasPartial(partial, inputs) : null;
  // The decoders of the layer that was training go on from their last round; a new run starts them over.
  const checkpoints = layerCheckpoints(decoderCheckpointDir(opts.out), inputs);
  if (!opts.resume) checkpoints.removeAll();

  const threads = hooks.gemm ? 1 : (opts.threads ?? defaultThreads());
  const names = probes.map(probeLabel);
  const o = options;
  const labelling =
    o.target === 'audio-unit'
      ? `${o.units.units} audio units`
      : `${o.target}s${probes.some((p) => p.role !== 'decoder') ? `, ${o.alignment} alignment` : ''}`;
  writeLine(
    io.stderr,
    `signature of ${opts.model} (LAS, ${las.listenerLayers}-layer listener) on ${corpus.manifestPath}: ${names.join(', ')}; ` +
      `state ${o.state} (${o.direction === 'both' ? 'both directions' : `${o.direction} half`}), ${labelling}, ` +
      `Δ = ${o.maxDelta}${o.current ? ' and δ = 0' : ''}; backend ${gemm.name}, ${threads} thread${threads === 1 ? '' : 's'}`,
  );
  if (opts.resume) {
    const done = kept?.map((l) => names[l.index] ?? `layer ${l.index + 1}`) ?? [];
    const which = done.length === 0 ? 'no layer' : done.join(', ');
    writeLine(io.stderr, resumeLine(partial, kept === null ? null : which, checkpoints.any() ? checkpoints.dir : null));
  }

  const utterances = lasUtterancesOf(
    await loadCorpusUtterances(corpus, corpus.entries, features, config.graphemes, [], io, hooks.now),
  );
  const progress = new LasSignatureProgressReporter({
    stream: io.stderr,
    isTTY: io.isTTY,
    now: hooks.now,
    names,
    current: options.current,
    work: decoderWorkPlan(
      options.decoder,
      options.maxDelta + (options.current ? 1 : 0),
      Math.max(1, names.length - (kept?.length ?? 0)),
    ),
  });
  const keeper = new LasPartialKeeper(partial, inputs, kept ?? []);
  const stop = onInterrupt((line) => progress.log(line), 'stopping; finished layers are kept', hooks.signal);
  const yieldToHost = () => new Promise<void>((resolve) => setImmediate(resolve));
  let signature: Signature;
  try {
    signature = await lasSignature(model, utterances, config.graphemes, options, {
      gemm,
      signal: stop.signal,
      generator,
      yieldToHost,
      weightsSha256: loaded.weightsSha256,
      // Worker threads train the keep probabilities side by side (and leave this thread free for Ctrl-C); an
      // injected GEMM (tests) keeps everything in this thread. Layers an earlier run finished are handed back.
      decoderRunner: checkpointedRunner(
        keeper.wrap(
          yieldingRunner(
            hooks.decoderRunner ??
              (threads > 1 ? decoderPoolRunner({ threads, backend: opts.backend }) : defaultRunner(gemm)),
            yieldToHost,
          ),
        ),
        checkpoints,
      ),
      onProgress: (p) => {
        if (p.phase === 'layer-done' && keeper.replayed(p.layer.layer - 1)) {
          progress.log(`${names[p.layer.layer - 1]}: kept from the interrupted run`);
          return;
        }
        progress.update(p);
        if (p.phase === 'decoders' || p.phase === 'layer-done') hooks.onSignatureProgress?.(p);
      },
    });
  } catch (err) {
    progress.clear();
    if (!stop.signal.aborted) {
      await keeper.settled().catch(() => {});
      throw err;
    }
    await keeper.settled();
    const finished = keeper.count();
    return reportStopped(io, opts, finished, probes.length, partial, checkpoints.any() ? checkpoints.dir : null);
  } finally {
    stop.dispose();
  }
  progress.clear();
  await keeper.settled();
  await ensureDir(dirname(opts.out));
  await writeSignature(opts.out, signature);
  await removePartial(partial);
  checkpoints.removeAll();
  return { code: 0, signature, seconds: (now() - started) / 1000 };
}

/**
 * --data: the corpus folder's manifest read against the model's graphemes (a transcript it cannot spell is named
 * with its line), and the corpus's recorded alphabet, where corpus.json has one, the model's own.
 */
export async function readLasCorpus(data: string, graphemes: readonly string[]): Promise<SpeechCorpus> {
  const isDir = await fsp
    .stat(data)
    .then((s) => s.isDirectory())
    .catch(() => null);
  if (isDir === null) {
    throw new UserError(
      `--data ${data}: not found (a corpus folder from memsig speech synth/prepare, or its ${MANIFEST_FILE})`,
    );
  }
  if (isDir && !(await pathExists(join(data, MANIFEST_FILE)))) {
    throw new UserError(`--data ${data}: no ${MANIFEST_FILE} there (make one with memsig speech synth or prepare)`);
  }
  const infoPath = join(isDir ? data : dirname(data), CORPUS_INFO_FILE);
  if (await pathExists(infoPath)) {
    const info = (await readJsonFile(infoPath)) as { alphabet?: unknown } | null;
    const alphabet = info?.alphabet;
    if (Array.isArray(alphabet) && alphabet.join('\u0000') !== graphemes.join('\u0000')) {
      throw new UserError(
        `${infoPath}: the corpus alphabet (${showAlphabet(alphabet as string[])}) differs from the model's graphemes (${showAlphabet(graphemes)})`,
      );
    }
  }
  const corpus = await readSpeechCorpus(data, graphemes);
  for (const split of SPLITS) {
    if (!corpus.entries.some((e) => e.split === split)) {
      throw new UserError(`${corpus.manifestPath}: no ${split} utterance (a signature needs train, dev and eval)`);
    }
  }
  return corpus;
}

function showAlphabet(symbols: readonly string[]): string {
  return JSON.stringify(symbols.join(''));
}

/** Refuses to start when the run could not write its result: OUT exists (without --force) or is a directory. */
function defaultRunner(gemm: Gemm): DecoderRunner {
  return async (data, config, hooks) => fitDecoders(gemm, data, config, hooks);
}

/** Gives the host's event loop a turn before each layer's decoders, and stops there when the signal is aborted. */
function yieldingRunner(run: DecoderRunner, yieldToHost: () => Promise<void>): DecoderRunner {
  return async (data, config, hooks) => {
    await yieldToHost();
    if (hooks.signal?.aborted) throw hooks.signal.reason;
    return run(data, config, hooks);
  };
}
