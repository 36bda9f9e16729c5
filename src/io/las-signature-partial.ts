// The resume file of a LAS memory signature (`memsig signature --data`, Figure 7): OUT.partial.json keeps, for each
// layer whose decoders are trained, their outcomes as the decoders returned them. A resumed run reads the states
// again (one pass of the model) but hands these outcomes back instead of training, so it ends in the very bytes of
// an unbroken run. Outcomes, not finished layers, because lasSignature builds every layer itself.
//
//   { "format": "memsig-las-signature-partial", "version": 1, "inputs": "<sha256 hex>",
//     "layers": [{ "index": 0, "seed": 1501, "outcomes": [DecoderOutcome, ...] }, ...] }
//
// In the outcomes, an Int32Array is {"$i32": base64 of its little-endian bytes} and a number JSON cannot hold is
// {"$num": "NaN" | "Infinity" | "-Infinity"}.

import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { DecoderOutcome } from '../analysis/decoders.js';
import type { DecoderRunner } from '../analysis/signature.js';
import { UserError } from '../core/errors.js';
import { ensureDir, writeFileAtomic } from './atomic.js';
import { readJsonFileIfPresent } from './read-file.js';
import { canonicalJson } from './signature-partial.js';

export const LAS_PARTIAL_FORMAT = 'memsig-las-signature-partial';
export const LAS_PARTIAL_VERSION = 1;

/** The decoders of one finished layer: its place in the signature, the decoder seed it ran with, what they gave. */
export interface KeptLasLayer {
  index: number;
  seed: number;
  outcomes: DecoderOutcome[];
}

/** sha256 (hex) of the canonical JSON of everything that determines a LAS signature, bit for bit. */
export function lasInputsDigest(inputs: {
  weightsSha256: string;
  /** The manifest's bytes, and how features were computed from its audio. */
  manifestSha256: string;
  features: unknown;
  options: unknown;
  backend: string;
  generator: string;
}): string {
  return createHash('sha256')
    .update(canonicalJson({ kind: 'las', ...inputs }))
    .digest('hex');
}

/**
 * The finished layers of the interrupted run in `path`, made with the same inputs, or null when there is no such
 * file; every other problem is a one-line UserError.
 */
export async function readLasPartial(path: string, inputs: string): Promise<KeptLasLayer[] | null> {
  const value = await readJsonFileIfPresent(path);
  if (value === undefined) return null;
  const p = value as { format?: unknown; version?: unknown; inputs?: unknown; layers?: unknown } | null;
  if (typeof p !== 'object' || p === null || p.format !== LAS_PARTIAL_FORMAT) {
    throw new UserError(`${path}: not a memsig partial LAS signature`);
  }
  if (p.version !== LAS_PARTIAL_VERSION) {
    throw new UserError(`${path}: partial LAS signature version ${String(p.version)} is not supported`);
  }
  if (typeof p.inputs !== 'string' || !Array.isArray(p.layers)) {
    throw new UserError(`${path}: a partial LAS signature needs "inputs" and "layers"`);
  }
  if (p.inputs !== inputs) {
    throw new UserError(
      `${path} was made with another model, corpus or settings; resume with the same flags, or leave out --resume to start over`,
    );
  }
  return p.layers.map((layer, i) => {
    const l = layer as Partial<KeptLasLayer> | null;
    if (
      typeof l !== 'object' ||
      l === null ||
      !Number.isInteger(l.index) ||
      !Number.isInteger(l.seed) ||
      !Array.isArray(l.outcomes)
    ) {
      throw new UserError(`${path}: /layers/${i} is not a finished layer`);
    }
    return { index: l.index!, seed: l.seed!, outcomes: l.outcomes.map((o) => decodeValue(o) as DecoderOutcome) };
  });
}

/**
 * Keeps OUT.partial.json up to date as layers finish, and replays kept layers: `wrap(runner)` is a decoder runner
 * that returns a kept layer's outcomes (when it is the same layer: same place, same decoder seed) and otherwise
 * trains with `runner` and keeps what it gives. Writes are chained; settled() waits for them and rethrows the first
 * failure.
 */
export class LasPartialKeeper {
  private readonly kept: Map<number, KeptLasLayer>;
  private readonly fresh = new Set<number>();
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly path: string,
    private readonly inputs: string,
    kept: readonly KeptLasLayer[] = [],
  ) {
    this.kept = new Map(kept.map((l) => [l.index, l]));
  }

  wrap(runner: DecoderRunner): DecoderRunner {
    let index = 0;
    return async (data, config, hooks) => {
      const at = index++;
      const kept = this.kept.get(at);
      if (kept && kept.seed === config.seed && kept.outcomes.length === data.trainLabels.length) {
        return kept.outcomes;
      }
      const outcomes = await runner(data, config, hooks);
      this.kept.set(at, { index: at, seed: config.seed, outcomes });
      this.fresh.add(at);
      this.save();
      return outcomes;
    };
  }

  /** Whether layer `index` (0-based) was handed back from the earlier run rather than trained now. */
  replayed(index: number): boolean {
    return this.kept.has(index) && !this.fresh.has(index);
  }

  /** Layers finished, by this run or the one it resumed. */
  count(): number {
    return this.kept.size;
  }

  async settled(): Promise<void> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }

  private save(): void {
    const layers = [...this.kept.values()].sort((a, b) => a.index - b.index);
    const text = `${JSON.stringify({
      format: LAS_PARTIAL_FORMAT,
      version: LAS_PARTIAL_VERSION,
      inputs: this.inputs,
      layers: layers.map((l) => encodeValue(l)),
    })}\n`;
    this.chain = this.chain
      .then(async () => {
        await ensureDir(dirname(this.path));
        await writeFileAtomic(this.path, text);
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      });
  }
}

// ---- Outcomes as JSON ----

function encodeValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $num: String(value) };
  if (value instanceof Int32Array) {
    return { $i32: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, encodeValue(v)]),
    );
  }
  return value;
}

function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$i32 === 'string') {
      const bytes = Buffer.from(o.$i32, 'base64');
      const out = new Int32Array(bytes.length / 4);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    if (typeof o.$num === 'string') return Number(o.$num);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decodeValue(v)]));
  }
  return value;
}
