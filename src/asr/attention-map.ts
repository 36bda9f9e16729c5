// The attention of one utterance as a figure: speller steps (the graphemes spelled, then <eos>) down, listener
// frames across (seconds on the axis), darker where the speller looks. An aligned model draws a diagonal line.
// Returns SVG text; the trainer's caller turns it into a PNG with src/render/png.ts.

import { sequentialColor } from '../render/colors.js';
import {
  AXIS_COLOR,
  displaySymbol,
  FONT,
  MUTED_COLOR,
  middleBaseline,
  num,
  svgDocument,
  textEl,
  textWidth,
} from '../render/svg.js';

export interface AttentionMapInput {
  /** (steps, frames) row-major: step i's weights over the utterance's listener frames. */
  weights: Float32Array;
  steps: number;
  frames: number;
  /** One label per step (a grapheme, or "<eos>"). */
  labels: readonly string[];
  /** Seconds per listener frame, for the time axis. */
  frameSeconds: number;
  title: string;
  subtitle?: string;
}

// Colour levels of √α: neighbouring frames of the same level are drawn as one rectangle, so a spread-out (untrained)
// attention is a few light bands rather than thousands of cells; a level of 0 (α < 0.0004) is left white.
const LEVELS = 24;

/** The SVG of an attention map. */
export function renderAttentionMap(input: AttentionMapInput): string {
  const { weights, steps, frames, labels, frameSeconds } = input;
  const cw = Math.max(1.5, Math.min(8, 640 / Math.max(frames, 1)));
  const ch = Math.max(8, Math.min(10, 900 / Math.max(steps, 1))); // every step labelled
  const left = 44;
  const top = input.subtitle ? 46 : 32;
  // Wide enough for the title and subtitle too (a short utterance's map is narrow).
  const titles = Math.max(textWidth(input.title, FONT.title), textWidth(input.subtitle ?? '', FONT.subtitle));
  const width = left + Math.max(frames * cw, titles) + 16;
  const height = top + steps * ch + 40;
  const body: string[] = [];
  body.push(textEl(left, 18, input.title, { size: FONT.title, weight: 'bold' }));
  if (input.subtitle) body.push(textEl(left, 34, input.subtitle, { size: FONT.subtitle, fill: MUTED_COLOR }));
  body.push(
    `<rect x="${num(left)}" y="${num(top)}" width="${num(frames * cw)}" height="${num(steps * ch)}" fill="none" stroke="${AXIS_COLOR}" stroke-width="0.5"/>`,
  );
  const cells: string[] = [];
  const level = (a: number) => (a > 0 ? Math.min(LEVELS, Math.round(Math.sqrt(a) * LEVELS)) : 0);
  for (let i = 0; i < steps; i++) {
    for (let u = 0; u < frames; ) {
      const k = level(weights[i * frames + u]!);
      let end = u + 1;
      while (end < frames && level(weights[i * frames + end]!) === k) end++;
      if (k > 0) {
        const fill = sequentialColor('purple', k / LEVELS);
        cells.push(
          `<rect x="${num(left + u * cw)}" y="${num(top + i * ch)}" width="${num((end - u) * cw)}" height="${num(ch)}" fill="${fill}"/>`,
        );
      }
      u = end;
    }
  }
  body.push(`<g shape-rendering="crispEdges">${cells.join('')}</g>`);
  const size = Math.min(FONT.cell, ch * 0.95);
  for (let i = 0; i < steps; i++) {
    const label = labels[i] ?? '';
    const shown = label.length === 1 ? displaySymbol(label) : label;
    body.push(textEl(left - 4, middleBaseline(top + (i + 0.5) * ch, size), shown, { size, anchor: 'end' }));
  }
  // Time axis: a tick per second (or per 0.5 s for short utterances).
  const seconds = frames * frameSeconds;
  const stepSeconds = seconds > 4 ? 1 : 0.5;
  const axisY = top + steps * ch;
  for (let s = 0; s <= seconds + 1e-9; s += stepSeconds) {
    const x = left + (s / frameSeconds) * cw;
    body.push(`<line x1="${num(x)}" y1="${num(axisY)}" x2="${num(x)}" y2="${num(axisY + 4)}" stroke="${AXIS_COLOR}"/>`);
    body.push(textEl(x, axisY + 15, `${Number(s.toFixed(1))}`, { size: FONT.tick, anchor: 'middle' }));
  }
  body.push(
    textEl(left + (frames * cw) / 2, axisY + 32, 'seconds (listener frames)', { size: FONT.label, anchor: 'middle' }),
  );
  return svgDocument(width, height, body, { title: input.title });
}
