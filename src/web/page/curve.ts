// A decoder's learning curve as the cell panel draws it, pure (no DOM): dev accuracy per epoch, the half-data stage
// then the all-data stage on one epoch axis (the full stage is warm-started, so its epochs continue the half's), the
// chance level, and the verdict in words (render/convergence-marks.ts, shared with the figures).

import type { DeltaSignature } from '../../analysis/signature-types.js';
import { convergenceWords, NOT_CONVERGED_NOTE } from '../../render/convergence-marks.js';

export interface CurvePoint {
  x: number;
  y: number;
  /** 1-based, counted over both stages. */
  epoch: number;
  value: number;
}

export interface CurveChart {
  width: number;
  height: number;
  /** The plot area. */
  left: number;
  top: number;
  right: number;
  bottom: number;
  half: CurvePoint[];
  full: CurvePoint[];
  /** x between the two stages, or null with only one. */
  boundary: number | null;
  chanceY: number;
  xTicks: { x: number; text: string }[];
  yTicks: { y: number; text: string }[];
  /** The panel's words: data gain ± 2 s.e., epoch gain, the verdict. */
  lines: { field: string; label: string; value: string }[];
  converged: boolean;
}

const WIDTH = 290;
const HEIGHT = 140;
const Y_STEPS = [0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25];

/** The chart of decoder `d`'s curves, or null for a decoder without one (a version-1 signature). */
export function learningCurveChart(d: DeltaSignature, tolerance: number | undefined): CurveChart | null {
  const c = d.convergence;
  if (!c) return null;
  const { half, full } = c.curve;
  const epochs = half.length + full.length;
  const left = 40;
  const right = WIDTH - 10;
  const top = 20;
  const bottom = HEIGHT - 24;
  // The y range holds every epoch and chance, a little padded; at least two points of accuracy tall.
  const values = [...half, ...full, d.chanceAccuracy];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = Math.max(0.01 - (hi - lo) / 2, (hi - lo) * 0.06);
  lo = Math.max(0, lo - pad);
  hi = Math.min(1, hi + pad);
  const step = Y_STEPS.find((s) => (hi - lo) / s <= 5) ?? 0.25;
  const yOf = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  const xOf = (epoch: number) =>
    epochs <= 1 ? (left + right) / 2 : left + ((epoch - 1) / (epochs - 1)) * (right - left);
  const point = (value: number, epoch: number): CurvePoint => ({ x: xOf(epoch), y: yOf(value), epoch, value });
  const yTicks: CurveChart['yTicks'] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) {
    yTicks.push({ y: yOf(v), text: `${+(100 * v).toFixed(1)}%` });
  }
  const every = Math.max(1, Math.ceil(epochs / 8));
  const xTicks: CurveChart['xTicks'] = [];
  for (let e = 1; e <= epochs; e++) if (e === 1 || e % every === 0) xTicks.push({ x: xOf(e), text: String(e) });
  const words = convergenceWords(c);
  const verdict = c.converged
    ? tolerance === undefined
      ? 'converged'
      : `converged: more data or epochs would raise it by ${+(100 * tolerance).toFixed(2)} pp at most`
    : NOT_CONVERGED_NOTE;
  return {
    width: WIDTH,
    height: HEIGHT,
    left,
    top,
    right,
    bottom,
    half: half.map((v, i) => point(v, i + 1)),
    full: full.map((v, i) => point(v, half.length + i + 1)),
    boundary: half.length > 0 && full.length > 0 ? (xOf(half.length) + xOf(half.length + 1)) / 2 : null,
    chanceY: yOf(d.chanceAccuracy),
    xTicks,
    yTicks,
    lines: [
      { field: 'data-gain', label: 'more data', value: words.data },
      { field: 'epoch-gain', label: 'more epochs', value: words.epochs },
      { field: 'verdict', label: 'verdict', value: verdict },
    ],
    converged: c.converged,
  };
}
