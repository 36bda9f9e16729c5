// A memory signature with the opt-in probe measurements: --capacity-sweep (capacity-sweep.ts: the same decoders as a
// linear map and at other widths) and --mdl (online-code.ts: the online code length of the labels). Both train on
// the very data each layer's decoders get, inside the layer's decoder run (so shard files are still there), and are
// attached to the layer as it finishes. With --decoder-seeds the online code is measured for every seed (its spread
// kept), the capacity sweep for the first seed only.

import type { PreparedCorpus } from '../data/corpus.js';
import type { AnalysableModel } from './analysable-model.js';
import { CAPACITY_FACTORS, sweepCapacity } from './capacity-sweep.js';
import { fitDecoders } from './decoders.js';
import { combineSeedCodes, ONLINE_CODE_BLOCKS, onlineCodeLength } from './online-code.js';
import { type DecoderSeedHooks, seededMemorySignature } from './seeded-signature.js';
import type { DecoderRunner, SignatureHooks, SignatureOptions } from './signature.js';
import type { CapacityProbe, DeltaOnlineCode, LayerSignature, Signature } from './signature-types.js';

export interface ProbeExtras {
  capacitySweep: boolean;
  onlineCode: boolean;
  /** Told of each extra training as it starts, in words (for the progress log). */
  onStep?: (line: string) => void;
}

/** What one layer's decoder runs measured beside the signature. */
interface LayerExtras {
  capacity?: CapacityProbe[];
  /** Per decoder seed, per δ. */
  codes: DeltaOnlineCode[][];
}

/** The probe measurements of one layer attached to it. */
function withExtras(layer: LayerSignature, extras: LayerExtras): LayerSignature {
  const out: LayerSignature = { ...layer };
  if (extras.capacity) out.capacity = extras.capacity;
  if (extras.codes.length > 0) {
    out.deltas = layer.deltas.map((d, i) => ({ ...d, onlineCode: combineSeedCodes(extras.codes.map((c) => c[i]!)) }));
  }
  return out;
}

function sizeName(factor: number, hidden: readonly number[]): string {
  return factor === 0 ? 'linear decoders' : `decoders ${factor}× as wide (hidden ${hidden.join(',')})`;
}

/** seededMemorySignature with the probe measurements `extras` asks for (none: exactly that signature). */
export async function probedMemorySignature(
  model: AnalysableModel,
  corpus: PreparedCorpus,
  options: SignatureOptions,
  hooks: SignatureHooks,
  decoderSeeds: number,
  seedHooks: DecoderSeedHooks,
  extras: ProbeExtras,
): Promise<Signature> {
  if (!extras.capacitySweep && !extras.onlineCode) {
    return seededMemorySignature(model, corpus, options, hooks, decoderSeeds, seedHooks);
  }
  const readShardFile = hooks.shardFiles?.read;
  const inner: DecoderRunner =
    hooks.decoderRunner ?? (async (data, config, h) => fitDecoders(hooks.gemm, data, config, { ...h, readShardFile }));
  // memorySignature trains one layer at a time, and every seed of a layer before its layer-done event.
  let current: LayerExtras | null = null;
  const runner: DecoderRunner = async (data, config, h) => {
    const firstSeed = current === null;
    const layer: LayerExtras = current ?? { codes: [] };
    current = layer;
    const own = await inner(data, config, h);
    if (firstSeed && extras.capacitySweep) {
      layer.capacity = await sweepCapacity(inner, data, config, own, h, CAPACITY_FACTORS, (f, hidden) =>
        extras.onStep?.(`capacity sweep: ${sizeName(f, hidden)}`),
      );
    }
    if (extras.onlineCode) {
      const code = await onlineCodeLength(inner, data, config, h, {
        readShardFile,
        onBlock: (b, n, rows) => extras.onStep?.(`online code: block ${b} of ${n} (decoders on ${rows} positions)`),
      });
      layer.codes.push(code);
    }
    return own;
  };
  const augmented = new Map<number, LayerSignature>();
  const signature = await seededMemorySignature(
    model,
    corpus,
    options,
    {
      ...hooks,
      decoderRunner: runner,
      onProgress: (p) => {
        if (p.phase !== 'layer-done') {
          hooks.onProgress?.(p);
          return;
        }
        const done = current;
        current = null;
        if (!done) throw new Error(`probedMemorySignature: layer ${p.layer.layer} finished without its decoder runs`);
        const layer = withExtras(p.layer, done);
        augmented.set(layer.layer, layer);
        hooks.onProgress?.({ phase: 'layer-done', layer });
      },
    },
    decoderSeeds,
    seedHooks,
  );
  return {
    ...signature,
    settings: {
      ...signature.settings,
      ...(extras.capacitySweep ? { capacityFactors: [...CAPACITY_FACTORS] } : {}),
      ...(extras.onlineCode ? { onlineCodeBlocks: [...ONLINE_CODE_BLOCKS] } : {}),
    },
    layers: signature.layers.map((l) => augmented.get(l.layer) ?? l),
  };
}
