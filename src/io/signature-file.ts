// Memory signature files: validation against docs/signature.schema.json (the schema users read is the one enforced)
// plus the checks a schema cannot express, and deterministic writing: the same signature always gives the same bytes
// (keys in the order of the Signature type, numbers as JSON.stringify writes them — the shortest text that reads
// back as the same double —, 2-space indent, final newline).

import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type {
  CapacityProbe,
  DeltaConvergence,
  DeltaOnlineCode,
  DeltaSeeds,
  DeltaSignature,
  DeltaTextBaseline,
  ForwardAccuracy,
  LayerSignature,
  LayerSpeech,
  SeedSpread,
  Signature,
  SignatureCorpus,
  SignatureModel,
} from '../analysis/signature-types.js';
import { SIGNATURE_FORMAT, SIGNATURE_VERSION, SIGNATURE_VERSIONS_READ } from '../analysis/signature-types.js';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from './atomic.js';
import { packageFile } from './package-files.js';
import { readJsonFile } from './read-file.js';
import { describeSchemaError, show } from './schema-messages.js';

export const SIGNATURE_SCHEMA_PATH = ['docs', 'signature.schema.json'] as const;

let compiled: ValidateFunction | undefined;

// Compiled on first use and kept: compiling costs far more than validating.
function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(packageFile(...SIGNATURE_SCHEMA_PATH), 'utf8'));
    // strict: a schema mistake throws here (and in the tests) instead of being logged; verbose: errors carry the data.
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: false, verbose: true, logger: false });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Checks `value` (a parsed signature file) and returns it typed; `label` (the file) starts every UserError message. */
export function validateSignature(value: unknown, label: string): Signature {
  checkIdentity(value, label);
  const validate = schemaValidator();
  if (!validate(value))
    throw new UserError(`${label}: ${describeSchemaError(validate.errors?.[0], 'memory signature')}`);
  const signature = value as Signature;
  checkSemantics(signature, label);
  return signature;
}

/** Reads and validates a signature file. */
export async function readSignature(path: string): Promise<Signature> {
  return validateSignature(await readJsonFile(path), path);
}

/**
 * The file text of a signature: deterministic (see the top of this file). Throws on numbers JSON cannot hold
 * (NaN, ±Infinity) instead of writing them as null.
 */
export function serializeSignature(sig: Signature): string {
  return `${JSON.stringify(canonicalSignature(sig), finiteOnly, 2)}\n`;
}

/**
 * Writes a signature atomically. It is validated first: an invalid signature is a bug in whatever built it, so that
 * is an Error, not a UserError, and nothing is written.
 */
export async function writeSignature(path: string, sig: Signature): Promise<void> {
  const text = serializeSignature(sig);
  try {
    validateSignature(JSON.parse(text), path);
  } catch (err) {
    if (err instanceof UserError) throw new Error(`refusing to write an invalid signature: ${err.message}`);
    throw err;
  }
  await writeFileAtomic(path, text);
}

// ---- Canonical form: a copy with keys in the order of the types in signature-types.ts ----

function finiteOnly(key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(`signature field ${JSON.stringify(key)} is ${value}, which JSON cannot hold`);
  }
  return value;
}

function canonicalSignature(s: Signature): Signature {
  return {
    format: s.format,
    version: s.version,
    generator: s.generator,
    model: canonicalModel(s.model),
    corpus: canonicalCorpus(s.corpus),
    alphabet: [...s.alphabet],
    ...(s.target ? { target: { kind: s.target.kind, classes: [...s.target.classes] } } : {}),
    state: s.state,
    maxDelta: s.maxDelta,
    settings: {
      seed: s.settings.seed,
      trainPositions: s.settings.trainPositions,
      devPositions: s.settings.devPositions,
      evalPositions: s.settings.evalPositions,
      keepProbs: [...s.settings.keepProbs],
      hidden: s.settings.hidden === null ? null : [...s.settings.hidden],
      maxEpochs: s.settings.maxEpochs,
      patience: s.settings.patience,
      batch: s.settings.batch,
      lr: s.settings.lr,
      ...definedOnly({
        sweepEpochs: s.settings.sweepEpochs,
        finalists: s.settings.finalists,
        halfStage: s.settings.halfStage,
        epochsPerRate: s.settings.epochsPerRate,
        lrDecay: s.settings.lrDecay,
        decays: s.settings.decays,
        minImprovement: s.settings.minImprovement,
        roundPositions: s.settings.roundPositions,
        whiten: s.settings.whiten,
        convergenceTolerance: s.settings.convergenceTolerance,
        decoderSeeds: s.settings.decoderSeeds,
        capacityFactors: s.settings.capacityFactors && [...s.settings.capacityFactors],
        onlineCodeBlocks: s.settings.onlineCodeBlocks && [...s.settings.onlineCodeBlocks],
      }),
    },
    forward: s.forward === null ? null : canonicalForward(s.forward),
    layers: s.layers.map(canonicalLayer),
  };
}

function canonicalModel(m: SignatureModel): SignatureModel {
  // details is a free-form map: its keys in sorted order.
  const details: Record<string, number | string> = {};
  for (const key of Object.keys(m.details).sort()) details[key] = m.details[key]!;
  return {
    kind: m.kind,
    label: m.label,
    cell: m.cell,
    layers: m.layers,
    units: m.units,
    embed: m.embed,
    weightsSha256: m.weightsSha256,
    details,
  };
}

function canonicalCorpus(c: SignatureCorpus): SignatureCorpus {
  return {
    source: c.source,
    sha256: c.sha256,
    segmentation: c.segmentation,
    split: { train: c.split.train, dev: c.split.dev, eval: c.split.eval, seed: c.split.seed },
    symbols: { train: c.symbols.train, dev: c.symbols.dev, eval: c.symbols.eval },
    maxChars: c.maxChars,
  };
}

function canonicalForward(f: ForwardAccuracy): ForwardAccuracy {
  return {
    accuracy: f.accuracy,
    perplexity: f.perplexity,
    count: [...f.count],
    correct: [...f.correct],
    recall: [...f.recall],
  };
}

function canonicalLayer(l: LayerSignature): LayerSignature {
  return {
    layer: l.layer,
    stateSize: l.stateSize,
    ...(l.speech ? { speech: canonicalSpeech(l.speech) } : {}),
    decoder: { hidden: [...l.decoder.hidden], parameters: l.decoder.parameters, rule: l.decoder.rule },
    ...(l.current ? { current: canonicalDelta(l.current) } : {}),
    deltas: l.deltas.map(canonicalDelta),
    ...(l.capacity ? { capacity: l.capacity.map(canonicalCapacityProbe) } : {}),
  };
}

function canonicalCapacityProbe(p: CapacityProbe): CapacityProbe {
  return {
    factor: p.factor,
    hidden: [...p.hidden],
    parameters: p.parameters,
    deltas: p.deltas.map((d) => ({
      delta: d.delta,
      accuracy: d.accuracy,
      accuracyInterval: { low: d.accuracyInterval.low, high: d.accuracyInterval.high },
      crossEntropyBits: d.crossEntropyBits,
      informationBits: d.informationBits,
      keepProb: d.keepProb,
      front: d.front,
    })),
  };
}

function canonicalOnlineCode(c: DeltaOnlineCode): DeltaOnlineCode {
  return {
    ends: [...c.ends],
    blockBits: [...c.blockBits],
    totalBits: c.totalBits,
    bitsPerPosition: c.bitsPerPosition,
    uniformBitsPerPosition: c.uniformBitsPerPosition,
    priorBitsPerPosition: c.priorBitsPerPosition,
    compression: c.compression,
    priorCompression: c.priorCompression,
    ...(c.seedBitsPerPosition ? { seedBitsPerPosition: [...c.seedBitsPerPosition] } : {}),
  };
}

function canonicalSpeech(p: LayerSpeech): LayerSpeech {
  return {
    role: p.role,
    label: p.label,
    reads: p.reads,
    direction: p.direction,
    frameSeconds: p.frameSeconds,
    alignment: p.alignment,
    window: p.window,
  };
}

function canonicalDelta(d: DeltaSignature): DeltaSignature {
  return {
    delta: d.delta,
    positions: { train: d.positions.train, dev: d.positions.dev, eval: d.positions.eval },
    keepProb: d.keepProb,
    epochs: d.epochs,
    devAccuracy: d.devAccuracy,
    accuracy: d.accuracy,
    accuracyInterval: { low: d.accuracyInterval.low, high: d.accuracyInterval.high },
    chanceAccuracy: d.chanceAccuracy,
    chanceSymbol: d.chanceSymbol,
    pValue: d.pValue,
    count: [...d.count],
    recall: [...d.recall],
    prior: [...d.prior],
    confusion: d.confusion.map((row) => [...row]),
    crossEntropyBits: d.crossEntropyBits,
    priorEntropyBits: d.priorEntropyBits,
    informationBits: d.informationBits,
    ...(d.convergence ? { convergence: canonicalConvergence(d.convergence) } : {}),
    ...(d.textBaseline ? { textBaseline: canonicalTextBaseline(d.textBaseline) } : {}),
    ...(d.seeds ? { seeds: canonicalSeeds(d.seeds) } : {}),
    ...(d.onlineCode ? { onlineCode: canonicalOnlineCode(d.onlineCode) } : {}),
  };
}

function canonicalSeeds(x: DeltaSeeds): DeltaSeeds {
  const spread = (s: SeedSpread): SeedSpread => ({ mean: s.mean, sd: s.sd, min: s.min, max: s.max });
  return {
    ...(x.of ? { of: x.of } : {}),
    seeds: [...x.seeds],
    accuracy: [...x.accuracy],
    accuracySpread: spread(x.accuracySpread),
    informationBits: [...x.informationBits],
    informationBitsSpread: spread(x.informationBitsSpread),
    recallSd: [...x.recallSd],
    recallMin: [...x.recallMin],
    recallMax: [...x.recallMax],
    keepProbs: [...x.keepProbs],
  };
}

function canonicalTextBaseline(b: DeltaTextBaseline): DeltaTextBaseline {
  return {
    order: b.order,
    context: b.context,
    accuracy: b.accuracy,
    accuracyInterval: { low: b.accuracyInterval.low, high: b.accuracyInterval.high },
    recall: [...b.recall],
    crossEntropyBits: b.crossEntropyBits,
    decoderOnly: b.decoderOnly,
    baselineOnly: b.baselineOnly,
    excessPValue: b.excessPValue,
    excessInterval: { low: b.excessInterval.low, high: b.excessInterval.high },
  };
}

function canonicalConvergence(c: DeltaConvergence): DeltaConvergence {
  const k = c.curve;
  return {
    converged: c.converged,
    dataGain: c.dataGain,
    epochGain: c.epochGain,
    curve: {
      half: [...k.half],
      full: [...k.full],
      halfEnd: k.halfEnd,
      fullEnd: k.fullEnd,
      halfLr: [...k.halfLr],
      fullLr: [...k.fullLr],
      halfPositions: k.halfPositions,
      fullPositions: k.fullPositions,
      dataGainStdError: k.dataGainStdError,
    },
  };
}

/** The fields that are set (version-2 additions are absent from version-1 signatures, and stay so). */
function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] !== undefined) out[key] = o[key];
  return out;
}

// ---- Messages ----

// A clear message for the likeliest mix-ups (another file, a newer memsig) before the field-by-field schema errors.
function checkIdentity(value: unknown, label: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`${label}: a memory signature must be a JSON object`);
  }
  const { format, version } = value as Record<string, unknown>;
  if (format !== SIGNATURE_FORMAT) {
    throw new UserError(
      `${label}: not a memsig signature ("format" is ${show(format)}, expected "${SIGNATURE_FORMAT}")`,
    );
  }
  if (typeof version === 'number' && !SIGNATURE_VERSIONS_READ.includes(version)) {
    throw new UserError(
      `${label}: signature version ${version} is not supported (this memsig reads versions ${SIGNATURE_VERSIONS_READ.join(' and ')}; it writes ${SIGNATURE_VERSION})`,
    );
  }
}

// ---- Checks beyond the schema ----

function checkSemantics(sig: Signature, label: string): void {
  const fail = (message: string) => new UserError(`${label}: ${message}`);
  const { alphabet } = sig;
  const V = alphabet.length;
  // JSON Schema counts code points, as we do here: one symbol is one Unicode character.
  const seen = new Map<string, number>();
  alphabet.forEach((symbol, i) => {
    if ([...symbol].length !== 1) throw fail(`/alphabet/${i} must be exactly one character (found ${show(symbol)})`);
    const first = seen.get(symbol);
    if (first !== undefined) throw fail(`/alphabet has ${show(symbol)} twice (items ${first} and ${i})`);
    seen.set(symbol, i);
  });
  const perSymbol = (path: string, list: readonly unknown[]) => {
    if (list.length !== V) {
      throw fail(`${path} has ${list.length} entries, one per alphabet symbol expected (${V})`);
    }
  };
  if (sig.target && sig.target.classes.length !== V) {
    throw fail(`/target/classes has ${sig.target.classes.length} entries, one per alphabet symbol expected (${V})`);
  }
  if (sig.forward !== null) {
    for (const field of ['count', 'correct', 'recall'] as const) perSymbol(`/forward/${field}`, sig.forward[field]);
    sig.forward.correct.forEach((c, s) => {
      if (c > sig.forward!.count[s]!) {
        throw fail(`/forward/correct/${s} is ${c}, more than /forward/count/${s} (${sig.forward!.count[s]})`);
      }
    });
  }
  const layerAt = new Map<number, number>();
  sig.layers.forEach((layer, li) => {
    const at = `/layers/${li}`;
    const other = layerAt.get(layer.layer);
    if (other !== undefined) throw fail(`${at}/layer: layer ${layer.layer} is also /layers/${other}`);
    layerAt.set(layer.layer, li);
    if (layer.deltas.length !== sig.maxDelta) {
      throw fail(`${at}/deltas has ${layer.deltas.length} entries, expected one per δ = 1..${sig.maxDelta}`);
    }
    // δ = 1..maxDelta in order, and a speech layer's δ = 0 apart from them.
    const decoders = layer.deltas.map((d, di) => ({ d, dat: `${at}/deltas/${di}`, want: di + 1 }));
    if (layer.current) decoders.unshift({ d: layer.current, dat: `${at}/current`, want: 0 });
    for (const { d, dat, want } of decoders) {
      if (d.delta !== want) {
        const rule = want === 0 ? 'δ = 0 is the current symbol' : 'δ = 1..maxDelta in order';
        throw fail(`${dat}/delta must be ${want} (${rule}; found ${d.delta})`);
      }
      if (!seen.has(d.chanceSymbol)) throw fail(`${dat}/chanceSymbol ${show(d.chanceSymbol)} is not in the alphabet`);
      perSymbol(`${dat}/count`, d.count);
      perSymbol(`${dat}/recall`, d.recall);
      perSymbol(`${dat}/prior`, d.prior);
      perSymbol(`${dat}/confusion`, d.confusion);
      const total = d.count.reduce((a, b) => a + b, 0);
      if (total !== d.positions.eval) {
        throw fail(`${dat}/count sums to ${total}, but ${dat}/positions/eval is ${d.positions.eval}`);
      }
      d.confusion.forEach((row, s) => {
        perSymbol(`${dat}/confusion/${s}`, row);
        // Counts are whole numbers but for a mean over seeds.
        const part = d.seeds ? -1 : row.findIndex((c) => !Number.isInteger(c));
        if (part >= 0) throw fail(`${dat}/confusion/${s}/${part} must be a whole number (found ${row[part]})`);
        const total = row.reduce((a, b) => a + b, 0);
        // A mean over seeds (delta.seeds) sums to the count only up to rounding.
        if (d.seeds ? Math.abs(total - d.count[s]!) > 1e-6 * Math.max(1, d.count[s]!) : total !== d.count[s]) {
          throw fail(`${dat}/confusion/${s} sums to ${total}, but ${dat}/count/${s} is ${d.count[s]}`);
        }
      });
      if (d.accuracyInterval.low > d.accuracyInterval.high) {
        throw fail(`${dat}/accuracyInterval has low ${d.accuracyInterval.low} above high ${d.accuracyInterval.high}`);
      }
      if (d.textBaseline) checkTextBaseline(d, `${dat}/textBaseline`, perSymbol, fail);
      if (d.seeds) checkSeeds(d, `${dat}/seeds`, perSymbol, fail);
    }
  });
}

// The baseline's recall is per alphabet symbol, and its pairing with the decoder must add up to both accuracies.
function checkTextBaseline(
  d: DeltaSignature,
  at: string,
  perSymbol: (path: string, list: readonly unknown[]) => void,
  fail: (message: string) => UserError,
): void {
  const b = d.textBaseline!;
  perSymbol(`${at}/recall`, b.recall);
  for (const field of ['decoderOnly', 'baselineOnly'] as const) {
    if (!d.seeds && !Number.isInteger(b[field]))
      throw fail(`${at}/${field} must be a whole number (found ${b[field]})`);
  }
  const n = d.positions.eval;
  if (b.decoderOnly + b.baselineOnly > n) {
    throw fail(`${at}: decoderOnly + baselineOnly (${b.decoderOnly + b.baselineOnly}) exceed the ${n} eval positions`);
  }
  const excess = (b.decoderOnly - b.baselineOnly) / n;
  if (Math.abs(d.accuracy - b.accuracy - excess) > 1e-9) {
    throw fail(
      `${at}: accuracy − textBaseline.accuracy (${d.accuracy - b.accuracy}) is not (decoderOnly − baselineOnly) / positions (${excess})`,
    );
  }
}

// One number per seed, one spread per symbol; and the means above must be the means of the seeds recorded here.
function checkSeeds(
  d: DeltaSignature,
  at: string,
  perSymbol: (path: string, list: readonly unknown[]) => void,
  fail: (message: string) => UserError,
): void {
  const x = d.seeds!;
  const K = x.seeds.length;
  for (const field of ['accuracy', 'informationBits', 'keepProbs'] as const) {
    if (x[field].length !== K)
      throw fail(`${at}/${field} has ${x[field].length} entries, one per seed expected (${K})`);
  }
  for (const field of ['recallSd', 'recallMin', 'recallMax'] as const) perSymbol(`${at}/${field}`, x[field]);
  const mean = x.accuracy.reduce((a, b) => a + b, 0) / K;
  if (Math.abs(mean - d.accuracy) > 1e-9) {
    throw fail(`${at}/accuracy averages ${mean}, but the decoder's accuracy is ${d.accuracy}`);
  }
}
