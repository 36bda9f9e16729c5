// Runs the experiments by name, times them, and keeps each one's numbers in DIR/figN/results.json. Every step is
// cached on disk (see context.ts), so a run that was stopped continues where it was.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { ensureDir, writeJsonAtomic } from '../io/atomic.js';
import { acquireRunLock } from '../io/run-lock.js';
import type { ExperimentContext } from './context.js';
import { writeResults } from './context.js';
import { figure7 } from './fig7.js';
import { type FigureResult, figure1, figure2, figure3, figure4, figure5, figure6 } from './figures.js';
import { type ReusedStep, reusedSteps } from './reuse.js';

export const EXPERIMENTS: Record<string, (ctx: ExperimentContext) => Promise<FigureResult>> = {
  fig1: figure1,
  fig2: figure2,
  fig3: figure3,
  fig4: figure4,
  fig5: figure5,
  fig6: figure6,
  fig7: figure7,
};

export interface ExperimentRecord extends FigureResult {
  quick: boolean;
  /** Wall time of all runs that contributed (a resumed experiment adds the earlier runs' time). */
  wallSeconds: number;
  /** Models and signatures copied from other experiments: their time is not in wallSeconds. */
  reused?: ReusedStep[];
  generator: string;
}

export type FigureDrawer = (ctx: ExperimentContext, result: FigureResult) => Promise<string[]>;

/** The lock a run holds on its experiment's folder (io/run-lock.ts): one run at a time writes there. */
export const RUN_LOCK_FILE = 'run.lock';

export async function runExperiment(
  name: string,
  ctx: ExperimentContext,
  drawFigures?: FigureDrawer,
): Promise<ExperimentRecord> {
  const run = EXPERIMENTS[name];
  if (!run)
    throw new UserError(`unknown experiment ${name}: choose one of ${Object.keys(EXPERIMENTS).join(', ')}, all`);
  await ensureDir(ctx.dir);
  const lock = acquireRunLock(join(ctx.dir, RUN_LOCK_FILE), `${name} in ${ctx.dir}`);
  if (lock.takenOver) {
    const { pid, host, started } = lock.takenOver;
    ctx.log(
      `a run that stopped without finishing left its lock (pid ${pid} on ${host}, started ${started}); taken over`,
    );
  }
  const timePath = join(ctx.dir, 'time.json');
  const previous = readSeconds(timePath);
  const t0 = performance.now();
  const elapsed = () => previous + (performance.now() - t0) / 1000;
  // The time spent survives an interruption: a resumed experiment reports the time of all its runs.
  const timer = setInterval(() => void writeJsonAtomic(timePath, { seconds: elapsed() }).catch(() => {}), 30_000);
  timer.unref();
  try {
    const result = await run(ctx);
    const figures = drawFigures ? await drawFigures(ctx, result) : [];
    const reused = await reusedSteps(ctx.dir);
    const record: ExperimentRecord = {
      ...result,
      numbers: { ...result.numbers, figures },
      quick: ctx.quick,
      wallSeconds: elapsed(),
      ...(reused.length ? { reused } : {}),
      generator: ctx.generator,
    };
    await writeResults(ctx, record);
    return record;
  } finally {
    clearInterval(timer);
    try {
      await writeJsonAtomic(timePath, { seconds: elapsed() });
    } finally {
      lock.release();
    }
  }
}

function readSeconds(path: string): number {
  if (!existsSync(path)) return 0;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as { seconds?: number };
    return typeof value.seconds === 'number' ? value.seconds : 0;
  } catch {
    return 0;
  }
}
