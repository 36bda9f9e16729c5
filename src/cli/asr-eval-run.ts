// `memsig asr eval` and `memsig asr transcribe`: a LAS model directory decoding a split of a corpus (CER and WER,
// per speaker, the CTC head alone, the worst utterances, every hypothesis to a file) or a few audio files.

import { join } from 'node:path';
import { countCharacterErrors, countWordErrors, type ErrorCount, errorRate } from '../asr/error-rates.js';
import { decodeGraphemes } from '../asr/graphemes.js';
import { type DecodeConfig, describeDecoding, recognizeUtterances } from '../asr/recognize.js';
import { computeFileFeatures } from '../asr/utterances.js';
import type { BackendName } from '../backends/index.js';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadLasModel } from '../io/load-model.js';
import type { Split } from '../speech/manifest.js';
import { loadCorpusUtterances, readSpeechCorpus } from './asr-data.js';
import { StatusLine } from './asr-progress.js';
import { defaultThreads, makeGemm } from './backend.js';
import { formatPercent } from './format.js';
import { type CliHooks, type CliIo, writeLine } from './io.js';

export interface AsrEvalOptions {
  model: string;
  data: string;
  split: Split;
  decode: DecodeConfig;
  /** Where the hypotheses go (default MODEL/hypotheses-SPLIT.tsv). */
  hypOut: string | null;
  worst: number;
  backend: BackendName;
  threads: number | undefined;
  json: boolean;
}

export interface SpeakerResult {
  speaker: string;
  /** Whether the speaker never speaks in the train split. */
  heldOut: boolean;
  utterances: number;
  cer: number;
  wer: number;
}

/** Error rates over a group of utterances (null: the group is empty). */
export interface GroupResult {
  utterances: number;
  cer: number;
  wer: number;
  ctcCer: number | null;
  ctcWer: number | null;
}

export interface AsrEvalSummary {
  model: string;
  split: Split;
  utterances: number;
  decoding: string;
  cer: number;
  wer: number;
  ctcCer: number | null;
  ctcWer: number | null;
  /**
   * The same rates over the utterances of voices that speak in the train split, and over those that never do: a
   * synthesized corpus holds voices out, and unseen text and unseen voices are two different measurements.
   */
  trainVoices: GroupResult | null;
  heldOutVoices: GroupResult | null;
  speakers: SpeakerResult[];
  worst: { id: string; speaker: string; cer: number; reference: string; hypothesis: string }[];
  hypotheses: string;
}

export async function runAsrEval(opts: AsrEvalOptions, io: CliIo, hooks: CliHooks = {}): Promise<number> {
  const { model: las, config } = await loadLasModel(opts.model);
  if (opts.decode.ctcRescore > 0 && config.las.ctcWeight === 0) {
    throw new UserError(`--ctc-rescore: ${opts.model} has no CTC head (it was trained with --ctc-weight 0)`);
  }
  const corpus = await readSpeechCorpus(opts.data, config.graphemes);
  const entries = corpus.entries.filter((e) => e.split === opts.split);
  if (entries.length === 0) throw new UserError(`${corpus.manifestPath}: no ${opts.split} utterances`);
  const trainSpeakers = new Set(corpus.entries.filter((e) => e.split === 'train').map((e) => e.speaker));
  const features = { sampleRate: config.features.sampleRate, fbank: config.features.fbank };
  const utterances = await loadCorpusUtterances(corpus, entries, features, config.graphemes, [], io, hooks.now);
  const gemm = hooks.gemm ?? makeGemm(opts.backend, opts.threads ?? defaultThreads());
  const status = new StatusLine(io.stderr, io.isTTY, hooks.now);
  status.start();
  const bins = config.las.features;
  let recognized: ReturnType<typeof recognizeUtterances>;
  try {
    recognized = recognizeUtterances(
      gemm,
      las,
      utterances.map((u) => ({ ...u.copies[0]!, labels: u.labels })),
      bins,
      opts.decode,
      (done, total) => status.update(() => `decoding: ${done}/${total} utterances`, done / total),
    );
  } finally {
    status.clear();
  }
  const text = (ids: Int32Array) => decodeGraphemes(ids, config.graphemes);
  const rows = utterances.map((u, i) => {
    const hyp = text(recognized[i]!.tokens);
    const ctc = recognized[i]!.ctcTokens ? text(recognized[i]!.ctcTokens!) : null;
    return {
      u,
      hyp,
      ctc,
      chars: countCharacterErrors(u.transcript, hyp),
      words: countWordErrors(u.transcript, hyp),
      ctcChars: ctc === null ? null : countCharacterErrors(u.transcript, ctc),
      ctcWords: ctc === null ? null : countWordErrors(u.transcript, ctc),
    };
  });
  const rate = (xs: (ErrorCount | null)[]) => errorRate(xs as ErrorCount[]);
  const speakers = [...new Set(rows.map((r) => r.u.speaker))].sort().map((speaker): SpeakerResult => {
    const mine = rows.filter((r) => r.u.speaker === speaker);
    return {
      speaker,
      heldOut: !trainSpeakers.has(speaker),
      utterances: mine.length,
      cer: rate(mine.map((r) => r.chars)),
      wer: rate(mine.map((r) => r.words)),
    };
  });
  const cerOf = (c: ErrorCount) => (c.length > 0 ? c.edits / c.length : 0);
  const worst = [...rows]
    .sort((a, b) => cerOf(b.chars) - cerOf(a.chars) || (a.u.id < b.u.id ? -1 : 1))
    .slice(0, opts.worst)
    .map((r) => ({
      id: r.u.id,
      speaker: r.u.speaker,
      cer: cerOf(r.chars),
      reference: r.u.transcript,
      hypothesis: r.hyp,
    }));
  const hypPath = opts.hypOut ?? join(opts.model, `hypotheses-${opts.split}.tsv`);
  const lines = ['id\tspeaker\tcer\treference\thypothesis\tctc_hypothesis'];
  for (const r of rows) {
    lines.push([r.u.id, r.u.speaker, cerOf(r.chars).toFixed(4), r.u.transcript, r.hyp, r.ctc ?? ''].join('\t'));
  }
  await writeFileAtomic(hypPath, `${lines.join('\n')}\n`);
  const withCtc = rows[0]!.ctcChars !== null;
  const group = (mine: typeof rows): GroupResult | null =>
    mine.length === 0
      ? null
      : {
          utterances: mine.length,
          cer: rate(mine.map((r) => r.chars)),
          wer: rate(mine.map((r) => r.words)),
          ctcCer: withCtc ? rate(mine.map((r) => r.ctcChars)) : null,
          ctcWer: withCtc ? rate(mine.map((r) => r.ctcWords)) : null,
        };
  const all = group(rows)!;
  const summary: AsrEvalSummary = {
    model: opts.model,
    split: opts.split,
    utterances: rows.length,
    decoding: describeDecoding(opts.decode),
    cer: all.cer,
    wer: all.wer,
    ctcCer: all.ctcCer,
    ctcWer: all.ctcWer,
    trainVoices: group(rows.filter((r) => trainSpeakers.has(r.u.speaker))),
    heldOutVoices: group(rows.filter((r) => !trainSpeakers.has(r.u.speaker))),
    speakers,
    worst,
    hypotheses: hypPath,
  };
  if (opts.json) writeLine(io.stdout, JSON.stringify(summary));
  else printEval(io, summary, corpus.manifestPath);
  return 0;
}

function printEval(io: CliIo, s: AsrEvalSummary, manifest: string): void {
  const out = (line: string) => writeLine(io.stdout, line);
  out(`${s.model} on ${manifest}, ${s.split} split: ${s.utterances} utterances; ${s.decoding}`);
  const ctc =
    s.ctcCer === null ? '' : `; CTC head alone: CER ${formatPercent(s.ctcCer)}, WER ${formatPercent(s.ctcWer)}`;
  out(`CER ${formatPercent(s.cer)}, WER ${formatPercent(s.wer)}${ctc}`);
  // Only worth a line when the split mixes the two kinds of voices.
  if (s.trainVoices && s.heldOutVoices) {
    for (const [label, g] of [
      ['voices in train', s.trainVoices],
      ['voices never in train', s.heldOutVoices],
    ] as const) {
      const ctcPart = g.ctcCer === null ? '' : `; CTC alone CER ${formatPercent(g.ctcCer)}`;
      out(`  ${label}: ${g.utterances} utt, CER ${formatPercent(g.cer)}, WER ${formatPercent(g.wer)}${ctcPart}`);
    }
  }
  out('per speaker:');
  const width = Math.max(...s.speakers.map((x) => x.speaker.length));
  for (const x of s.speakers) {
    const held = x.heldOut ? '  (never in train)' : '';
    out(
      `  ${x.speaker.padEnd(width)}  ${String(x.utterances).padStart(4)} utt  CER ${formatPercent(x.cer).padStart(6)}  WER ${formatPercent(x.wer).padStart(6)}${held}`,
    );
  }
  if (s.worst.length > 0) {
    out('worst utterances:');
    for (const w of s.worst) {
      out(`  ${w.id} (${w.speaker}) CER ${formatPercent(w.cer)}`);
      out(`    ref: ${w.reference}`);
      out(`    hyp: ${w.hypothesis}`);
    }
  }
  out(`hypotheses: ${s.hypotheses}`);
}

export interface AsrTranscribeOptions {
  model: string;
  files: string[];
  decode: DecodeConfig;
  backend: BackendName;
  threads: number | undefined;
}

/** Prints "FILE<TAB>transcript" per file. */
export async function runAsrTranscribe(opts: AsrTranscribeOptions, io: CliIo, hooks: CliHooks = {}): Promise<number> {
  const { model: las, config } = await loadLasModel(opts.model);
  if (opts.decode.ctcRescore > 0 && config.las.ctcWeight === 0) {
    throw new UserError(`--ctc-rescore: ${opts.model} has no CTC head (it was trained with --ctc-weight 0)`);
  }
  const features = { sampleRate: config.features.sampleRate, fbank: config.features.fbank };
  const items = [];
  for (const file of opts.files)
    items.push({ ...(await computeFileFeatures(file, features)), labels: new Int32Array(0) });
  const gemm = hooks.gemm ?? makeGemm(opts.backend, opts.threads ?? defaultThreads());
  const recognized = recognizeUtterances(gemm, las, items, config.las.features, opts.decode);
  writeLine(io.stderr, `${opts.model}: ${describeDecoding(opts.decode)}`);
  opts.files.forEach((file, i) => {
    writeLine(io.stdout, `${file}\t${decodeGraphemes(recognized[i]!.tokens, config.graphemes)}`);
  });
  return 0;
}
