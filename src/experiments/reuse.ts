// Finished steps shared between experiments. Each trained model and each signature an experiment makes gets a
// recipe: a sha256 of everything that determines it. Before training a model or computing a signature, an experiment
// looks in its sibling experiments' folders for one with the same recipe and copies it (Figure 2's 320-unit GRU is
// Figure 5's GRU, for instance) instead of spending the time again.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { PreparedCorpus } from '../data/corpus.js';
import { writeFileAtomic } from '../io/atomic.js';
import { canonicalJson } from '../io/signature-partial.js';
import type { TrainConfig } from '../train/train-char-lm.js';

/** Suffix of a folder being copied into place. */
const STAGING = '.copying';

/** The recipe of a model folder: models/NAME/recipe.sha256. */
export const MODEL_RECIPE_FILE = 'recipe.sha256';

/** The recipe file of a signature file signatures/NAME.json: signatures/NAME.recipe.sha256. */
export function signatureRecipePath(signaturePath: string): string {
  return signaturePath.replace(/\.json$/, '.recipe.sha256');
}

export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** What determines a trained character LM: its training settings, its corpus, and the weights it started from. */
export function modelRecipe(config: TrainConfig, corpus: PreparedCorpus, init?: Map<string, Float32Array>): string {
  let initDigest: string | null = null;
  if (init) {
    const h = createHash('sha256');
    for (const name of [...init.keys()].sort()) {
      const data = init.get(name)!;
      h.update(name).update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    initDigest = h.digest('hex');
  }
  return digestOf({ config, corpus: corpus.record, init: initDigest });
}

export async function readRecipe(path: string): Promise<string | null> {
  if (!existsSync(path)) return null;
  return (await readFile(path, 'utf8')).trim();
}

export async function writeRecipe(path: string, recipe: string): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(`${recipe}\n`));
}

/** The other experiment folders beside `experimentDir` (its parent's subfolders), in name order. */
async function siblings(experimentDir: string): Promise<string[]> {
  const parent = dirname(experimentDir);
  if (!existsSync(parent)) return [];
  const own = basename(experimentDir);
  const entries = await readdir(parent, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && e.name !== own)
    .map((e) => join(parent, e.name))
    .sort();
}

/** A finished model folder of a sibling experiment with this recipe, or null. */
export async function findSiblingModel(experimentDir: string, recipe: string): Promise<string | null> {
  for (const dir of await siblings(experimentDir)) {
    const models = join(dir, 'models');
    if (!existsSync(models)) continue;
    for (const name of (await readdir(models)).sort()) {
      if (name.endsWith(STAGING)) continue; // a copy that was stopped half-way
      const candidate = join(models, name);
      if (!existsSync(join(candidate, 'config.json'))) continue;
      if ((await readRecipe(join(candidate, MODEL_RECIPE_FILE))) === recipe) return candidate;
    }
  }
  return null;
}

/** A finished signature file of a sibling experiment with this recipe, or null. */
export async function findSiblingSignature(experimentDir: string, recipe: string): Promise<string | null> {
  for (const dir of await siblings(experimentDir)) {
    const signatures = join(dir, 'signatures');
    if (!existsSync(signatures)) continue;
    for (const name of (await readdir(signatures)).sort()) {
      if (!name.endsWith('.recipe.sha256')) continue;
      const file = join(signatures, name.replace(/\.recipe\.sha256$/, '.json'));
      if (existsSync(file) && (await readRecipe(join(signatures, name))) === recipe) return file;
    }
  }
  return null;
}

/** What an experiment copied from a sibling instead of computing it (so that its wall time is read rightly). */
export interface ReusedStep {
  kind: 'model' | 'signature';
  name: string;
  /** Where it was made, relative to the experiments' folder: fig2/models/gru-320, fig2/signatures/gru-320.json. */
  from: string;
}

/** Suffix of the marker beside a copied step (models/NAME.reused-from, signatures/NAME.reused-from). */
const REUSED_SUFFIX = '.reused-from';

/** Notes beside a step just copied from `source` where it came from: models/NAME or signatures/NAME.json. */
export async function markReused(experimentDir: string, step: string, source: string): Promise<void> {
  const marker = `${step.replace(/\.json$/, '')}${REUSED_SUFFIX}`;
  await writeFileAtomic(marker, new TextEncoder().encode(`${relative(dirname(experimentDir), source)}\n`));
}

/** Every step of an experiment that was copied from a sibling, models first, each in name order. */
export async function reusedSteps(experimentDir: string): Promise<ReusedStep[]> {
  const steps: ReusedStep[] = [];
  for (const kind of ['model', 'signature'] as const) {
    const folder = join(experimentDir, kind === 'model' ? 'models' : 'signatures');
    if (!existsSync(folder)) continue;
    for (const file of (await readdir(folder)).sort()) {
      if (!file.endsWith(REUSED_SUFFIX)) continue;
      const name = file.slice(0, -REUSED_SUFFIX.length);
      steps.push({ kind, name, from: (await readFile(join(folder, file), 'utf8')).trim() });
    }
  }
  return steps;
}

/** Copies a folder into place whole: a stopped copy leaves no half folder behind. */
export async function copyFolder(from: string, to: string): Promise<void> {
  const staging = `${to}${STAGING}`;
  await rm(staging, { recursive: true, force: true });
  await cp(from, staging, { recursive: true });
  await rm(to, { recursive: true, force: true });
  await rename(staging, to);
}
