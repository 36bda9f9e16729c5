// What a rerun of an experiment changed: which published results to keep as "earlier" when new ones replace them,
// and the per-model recall of both, so that the report can say what moved (issue 11: converged decoders rerun).

import { defaultDecoderConfig } from '../analysis/decoders.js';
import type { Signature } from '../analysis/signature-types.js';
import type { ExperimentRecord } from './runner.js';

// biome-ignore lint/suspicious/noExplicitAny: results.json is plain JSON read back; each figure wrote its own numbers.
type Numbers = Record<string, any>;

/** The decoder minibatch of results that record none: the default before 256 (and none of them whitened). */
const UNRECORDED_BATCH = 1024;

/**
 * What a figure's numbers were measured with: the decoders' settings and the corpora's hashes. Two runs with the same
 * inputs differ only by what a resumed run added (seeds, a claim), so only a change of inputs makes an earlier run.
 */
export function measurementInputs(record: ExperimentRecord): string {
  const n = record.numbers as Numbers;
  const settings = n.signature ?? n.lasSignature;
  const decoders = settings
    ? { ...settings, batch: settings.batch ?? UNRECORDED_BATCH, whiten: settings.whiten ?? false }
    : null;
  const corpora = [n.corpus, n.source, n.target, n.speechCorpus].map((c) => c?.sha256 ?? null);
  return JSON.stringify({ decoders, corpora, model: n.model?.training ?? null });
}

/** What a signature file says its decoders were trained with (`settings`; `whiten` absent before whitening). */
export interface SignatureDecoderSettings {
  batch?: number;
  whiten?: boolean;
  /** The decoders' learning rate and epoch cap (a stage's, today; a keep probability's, before the schedule). */
  lr?: number;
  maxEpochs?: number;
}

/**
 * A record whose decoder settings lack the minibatch or the input (results written before they recorded them),
 * completed from one of its own signature files, which always did: so that an earlier run is described by what its
 * decoders were trained with, not by the default of the day. Fields the record has are kept. A learning rate other
 * than today's (the first defaults: 0.001, at most 10 epochs a keep probability, no schedule) is added with the epoch
 * cap, since results never record it; today's rate is not, so that a rerun's record and its published one compare
 * equal when their inputs are.
 */
export function withSignatureDecoderSettings(
  record: ExperimentRecord,
  signature: SignatureDecoderSettings,
): ExperimentRecord {
  const n = record.numbers as Numbers;
  const key = n.signature ? 'signature' : n.lasSignature ? 'lasSignature' : null;
  if (key === null) return record;
  const settings = n[key];
  const earlierRate =
    settings.lr === undefined && signature.lr !== undefined && signature.lr !== defaultDecoderConfig().lr
      ? { lr: signature.lr, maxEpochs: signature.maxEpochs }
      : {};
  const filled = {
    ...settings,
    batch: settings.batch ?? signature.batch,
    whiten: settings.whiten ?? signature.whiten ?? false,
    ...earlierRate,
  };
  return { ...record, numbers: { ...n, [key]: filled } };
}

/** Whether publishing `next` over `published` should keep `published` as the earlier run. */
export function replacesEarlierRun(published: ExperimentRecord, next: ExperimentRecord): boolean {
  return !published.quick && !next.quick && measurementInputs(published) !== measurementInputs(next);
}

export interface PanelRecall {
  label: string;
  /** Marginal accuracy by δ = 1..Δ (index 0 is δ = 1). */
  marginal: number[];
}

/** Each model's (and layer's) marginal accuracy by δ, where the figure records it, labelled alike across runs. */
export function panelRecalls(record: ExperimentRecord): PanelRecall[] {
  const n = record.numbers as Numbers;
  const out: PanelRecall[] = [];
  if (Array.isArray(n.marginalAccuracy)) out.push({ label: 'GRU', marginal: n.marginalAccuracy });
  if (Array.isArray(n.randomWeights?.marginalAccuracy))
    out.push({ label: 'the same GRU, random weights', marginal: n.randomWeights.marginalAccuracy });
  if (Array.isArray(n.gruMarginal)) out.push({ label: 'GRU', marginal: n.gruMarginal });
  if (Array.isArray(n.ngramMarginal)) out.push({ label: 'n-gram model', marginal: n.ngramMarginal });
  for (const m of (n.models ?? []) as Numbers[]) {
    const name = `${String(m.cell).toUpperCase()} ${m.layers ? `${m.layers}×` : ''}${m.units}`;
    if (Array.isArray(m.marginalAccuracy)) out.push({ label: name, marginal: m.marginalAccuracy });
    const byLayer = (m.marginalAccuracyByLayer ?? []) as number[][];
    for (const [l, marginal] of byLayer.entries()) out.push({ label: `${name}, layer ${l + 1}`, marginal });
  }
  for (const layer of (n.layers ?? []) as Numbers[])
    if (Array.isArray(layer.marginalAccuracy)) out.push({ label: layer.label, marginal: layer.marginalAccuracy });
  for (const r of (n.restrictions ?? []) as Numbers[])
    if (Array.isArray(r.marginalAccuracy)) out.push({ label: r.label, marginal: r.marginalAccuracy });
  // Figures whose numbers keep no recall of their own (Figure 4) are read from their panels' signatures.
  if (out.length === 0) for (const p of (n.panelMarginals ?? []) as PanelRecall[]) out.push(p);
  return out;
}

/**
 * The record with each panel's marginal accuracy by δ (numbers.panelMarginals), read from the panel's signature
 * (`signatureOf` gets the panel's file, relative to the experiment's folder, and gives null where it is missing):
 * so that a rerun can say how each model's recall moved where the figure's numbers do not record it.
 */
export function withPanelMarginals(
  record: ExperimentRecord,
  signatureOf: (file: string) => Signature | null,
): ExperimentRecord {
  const panelMarginals: PanelRecall[] = [];
  for (const panel of record.panels) {
    const layer = signatureOf(panel.signature)?.layers.find((l) => l.layer === panel.layer);
    if (layer) panelMarginals.push({ label: panel.label, marginal: layer.deltas.map((d) => d.accuracy) });
  }
  return panelMarginals.length ? { ...record, numbers: { ...record.numbers, panelMarginals } } : record;
}

export interface RecallChange {
  label: string;
  earlierMean: number;
  nowMean: number;
  /** now − earlier by δ, over the δ both runs measured. */
  byDelta: number[];
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The panels both runs measured, with their mean recall over the common δ and the change at each. */
export function recallChanges(earlier: ExperimentRecord, now: ExperimentRecord): RecallChange[] {
  const before = new Map(panelRecalls(earlier).map((p) => [p.label, p.marginal]));
  const changes: RecallChange[] = [];
  for (const p of panelRecalls(now)) {
    const old = before.get(p.label);
    if (!old) continue;
    const deltas = Math.min(old.length, p.marginal.length);
    if (deltas === 0) continue;
    const a = old.slice(0, deltas);
    const b = p.marginal.slice(0, deltas);
    changes.push({ label: p.label, earlierMean: mean(a), nowMean: mean(b), byDelta: b.map((x, i) => x - a[i]) });
  }
  return changes;
}
