// The output directory of `memsig train`: what may be overwritten, and whether a checkpoint belongs to this run.

import fsp from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { fsError } from '../io/fs-errors.js';
import { CONFIG_FILE, WEIGHTS_FILE } from '../io/model-dir.js';
import { type LoadedCheckpoint, readTrainCheckpoint } from '../io/train-checkpoint.js';
import type { TrainConfig } from '../train/train-char-lm.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export interface TrainDirPaths {
  dir: string;
  config: string;
  weights: string;
  checkpoint: string;
}

export function trainDirPaths(dir: string): TrainDirPaths {
  return {
    dir,
    config: join(dir, CONFIG_FILE),
    weights: join(dir, WEIGHTS_FILE),
    checkpoint: join(dir, CHECKPOINT_FILE),
  };
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await fsp.stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw fsError(err, 'check', path);
  }
}

/**
 * Refuses to start where it would destroy work: a finished model (config.json) or an unfinished run's checkpoint,
 * unless --force (replace, once the new model is complete) or --resume (continue) says so.
 */
export async function checkTrainDir(paths: TrainDirPaths, resume: boolean, force: boolean): Promise<void> {
  if (await pathExists(paths.dir)) {
    const info = await fsp.stat(paths.dir);
    if (!info.isDirectory()) throw new UserError(`--out ${paths.dir}: exists and is not a directory`);
  }
  if (resume) {
    if (!(await pathExists(paths.checkpoint))) {
      throw new UserError(`${paths.checkpoint}: no checkpoint to resume from (leave out --resume to start a new run)`);
    }
    return;
  }
  if (force) return;
  if (await pathExists(paths.config)) {
    throw new UserError(
      `${paths.dir} already holds a trained model (${CONFIG_FILE}); pass --force to replace it once the new model is complete`,
    );
  }
  if (await pathExists(paths.checkpoint)) {
    throw new UserError(
      `${paths.dir} holds the checkpoint of another run (${paths.checkpoint}); pass --resume to continue it or --force to start over`,
    );
  }
}

const FLAG_OF: Record<keyof TrainConfig, string> = {
  cell: '--cell',
  lambda: '--lambda',
  initWeightsSha256: '--init',
  trainFraction: '--train-fraction',
  layers: '--layers',
  units: '--units',
  embed: '--embed',
  batch: '--batch',
  seq: '--seq',
  lr: '--lr',
  dropout: '--dropout',
  recurrentDropout: '--recurrent-dropout',
  clip: '--clip',
  epochs: '--epochs',
  maxSteps: '--max-steps',
  patience: '--patience',
  seed: '--seed',
};

/** Reads the checkpoint to resume and checks it was made by this very run: same corpus, same settings. */
export async function loadResumeCheckpoint(
  path: string,
  config: TrainConfig,
  corpusSha256: string,
): Promise<LoadedCheckpoint> {
  const loaded = await readTrainCheckpoint(path);
  if (loaded.corpusSha256 !== corpusSha256) {
    throw new UserError(
      `${path}: the checkpoint was trained on another corpus (or another --segment / --max-chars); resume with the same corpus and flags`,
    );
  }
  const stored = loaded.trainConfig as unknown as Record<string, unknown>;
  const keys = new Set([...Object.keys(config), ...Object.keys(stored)]);
  for (const key of keys) {
    const now = (config as unknown as Record<string, unknown>)[key];
    const then = stored[key];
    if (now !== then) {
      const flag = FLAG_OF[key as keyof TrainConfig] ?? key;
      throw new UserError(
        `${path}: ${flag} is ${show(now)} now but was ${show(then)} when the checkpoint was made; resume with the same flags`,
      );
    }
  }
  return loaded;
}

function show(v: unknown): string {
  return v === null ? 'unset' : v === undefined ? 'missing' : String(v);
}
