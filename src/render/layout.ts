// Layout shared by the figures: margins, the title block, colour-bar ticks, and the short texts that subtitles are
// made of (positions, chance, the state's name).

import type { LayerSignature } from '../analysis/signature-types.js';
import type { Metric } from './metric.js';
import { rangeOf } from './signature-data.js';
import { esc, FONT, groupDigits, MUTED_COLOR, num, percent, textEl, textWidth } from './svg.js';

export { colorBarTicks } from './metric.js';

export const MARGIN = 12;
/** Room left of a heatmap for the rotated axis title and the δ labels. */
export const GUTTER = 44;
const TITLE_BASELINE = 20;
const SUBTITLE_BASELINE = 36;
/** Where the first panel starts under the title and subtitle. */
export const BODY_TOP = 52;

/** The state the decoders read, as the schema defines it: c, the memory vector (an LSTM's c_t, a GRU's h_t), or h,
 * the layer output h_t. */
export function stateName(state: string): string {
  if (state === 'c') return 'state c (memory vector)';
  if (state === 'h') return 'state h (layer output)';
  return `state ${state}`;
}

/** Title and subtitle lines; returns their elements and the width they need. */
export function titleBlock(title: string, subtitle: string): { body: string[]; width: number } {
  return {
    body: [
      textEl(MARGIN, TITLE_BASELINE, title, { size: FONT.title, weight: 'bold', attrs: 'class="title"' }),
      textEl(MARGIN, SUBTITLE_BASELINE, subtitle, {
        size: FONT.subtitle,
        fill: MUTED_COLOR,
        attrs: 'class="subtitle"',
      }),
    ],
    width: MARGIN * 2 + Math.max(textWidth(title, FONT.title) * 1.05, textWidth(subtitle, FONT.subtitle)),
  };
}

export function metricTitle(metric: Metric): string {
  return metric === 'accuracy' ? 'recall' : metric === 'excess' ? 'recall − text' : 'bits';
}

/** "6,000" or "5,912–6,000" eval positions over the δs of a layer. */
export function positionsText(layer: LayerSignature): string {
  const r = rangeOf(layer.deltas.map((d) => d.positions.eval));
  return r.min === r.max ? groupDigits(r.min) : `${groupDigits(r.min)}–${groupDigits(r.max)}`;
}

/** "17.2%" or "17.2–18.9%": the chance accuracy over the δs of a layer. */
export function chanceText(layer: LayerSignature): string {
  const r = rangeOf(layer.deltas.map((d) => d.chanceAccuracy));
  const lo = percent(r.min);
  const hi = percent(r.max);
  return lo === hi ? lo : `${lo.slice(0, -1)}–${hi}`;
}

/** "28.6–71.0%": the text-only baseline's accuracy over the δs of a layer (those that have one). */
export function textBaselineText(layer: LayerSignature): string {
  const values = layer.deltas.flatMap((d) => (d.textBaseline ? [d.textBaseline.accuracy] : []));
  if (values.length === 0) return 'n/a';
  const r = rangeOf(values);
  const lo = percent(r.min);
  const hi = percent(r.max);
  return lo === hi ? lo : `${lo.slice(0, -1)}–${hi}`;
}

/** The rotated δ axis title, shortened where the axis is too short for it. */
export function deltaAxisTitle(axisLength: number): string {
  return textWidth('δ (steps back)', FONT.tick) <= axisLength + 16 ? 'δ (steps back)' : 'δ back';
}

/**
 * A footnote line: each part's mark (bold, in `color`) then its words, e.g. "† not converged: …"; returns the element
 * and its width.
 */
export function footnote(x: number, baseline: number, parts: readonly [string, string][], color: string): FigureNote {
  const content = parts.map(
    ([mark, text]) => `<tspan fill="${color}" font-weight="bold">${esc(mark)}</tspan> ${esc(text)}`,
  );
  return {
    body:
      `<text x="${num(x)}" y="${num(baseline)}" font-size="${num(FONT.tick)}" fill="${MUTED_COLOR}" class="footnote">` +
      `${content.join(' ')}</text>`,
    width: textWidth(parts.map(([m, t]) => `${m} ${t}`).join(' '), FONT.tick),
  };
}

export interface FigureNote {
  body: string;
  width: number;
}

/** The height a footnote line adds under a figure. */
export const FOOTNOTE_HEIGHT = 16;
