// The marginal figure's panels for the opt-in probe measurements: the capacity panel (--capacity-sweep: accuracy or
// bits against decoder parameters, per δ and layer, the accuracy/complexity front filled) and the online code panel
// (--mdl: bits per position against δ, per layer, the prior code dashed).

import type { CapacityProbe, DeltaSignature } from '../analysis/signature-types.js';
import { seriesColor, seriesDash } from './colors.js';
import {
  AXIS_COLOR,
  bitsText,
  dataAttrs,
  esc,
  FONT,
  GRID_COLOR,
  MUTED_COLOR,
  middleBaseline,
  num,
  percent,
  textEl,
  textWidth,
} from './svg.js';

const W = 250;
const H = 150;

export interface PanelBox {
  body: string[];
  width: number;
  height: number;
}

/** A layer's sweep or code, named for the legend. */
export interface ProbeSeries {
  name: string;
  layer: number;
  capacity?: readonly CapacityProbe[];
  deltas: readonly DeltaSignature[];
}

function factorName(factor: number): string {
  return factor === 0 ? 'linear' : `${factor}×`;
}

/** Axes, a title over them and y ticks; returns the elements. */
function frame(
  left: number,
  top: number,
  title: string,
  yTitle: string,
  ticks: readonly number[],
  py: (v: number) => number,
  tick: (v: number) => string,
): string[] {
  const body = [textEl(left, top - 8, title, { size: FONT.tick, attrs: 'class="panel-title"' })];
  for (const t of ticks) {
    const y = py(t);
    body.push(
      `<line x1="${num(left)}" y1="${num(y)}" x2="${num(left + W)}" y2="${num(y)}" stroke="${GRID_COLOR}" stroke-width="0.8"/>`,
      textEl(left - 4, middleBaseline(y, FONT.tick), tick(t), { size: FONT.tick, anchor: 'end' }),
    );
  }
  body.push(
    `<path d="M${num(left)} ${num(top)}V${num(top + H)}H${num(left + W)}" fill="none" stroke="${AXIS_COLOR}" stroke-width="0.8"/>`,
    textEl(left - 34, top + H / 2, yTitle, {
      size: FONT.tick,
      anchor: 'middle',
      rotate: -90,
      attrs: 'class="axis-title"',
    }),
  );
  return body;
}

/** Legend lines under a panel, one entry a line, from y; returns the elements, its bottom and its right edge. */
function legend(left: number, y: number, entries: { swatch: string; text: string }[]) {
  const body: string[] = [];
  let right = left + W;
  let ly = y;
  for (const e of entries) {
    body.push(
      e.swatch.replaceAll('{y}', num(ly)),
      textEl(left + 26, middleBaseline(ly, FONT.tick), e.text, { size: FONT.tick }),
    );
    right = Math.max(right, left + 26 + textWidth(e.text, FONT.tick));
    ly += 14;
  }
  return { body, bottom: ly, right };
}

/**
 * Accuracy (or information, `bits`) against decoder parameters on a log scale: per layer a thin line per δ and a bold
 * line of the mean over δ; points on a δ's front are filled, the others hollow.
 */
export function capacityPanel(
  series: readonly ProbeSeries[],
  bits: boolean,
  maxBits: number,
  x: number,
  y: number,
): PanelBox {
  const swept = series.filter((s) => s.capacity && s.capacity.length > 0);
  const left = x + 44;
  const top = y + 18;
  const params = swept.flatMap((s) => s.capacity!.map((p) => p.parameters));
  const lo = Math.log10(Math.min(...params));
  const hi = Math.log10(Math.max(...params));
  const px = (p: number) => (hi - lo < 1e-9 ? left + W / 2 : left + ((Math.log10(p) - lo) / (hi - lo)) * W);
  const max = bits ? maxBits : 1;
  const py = (v: number) => top + H - (Math.min(max, Math.max(0, v)) / max) * H;
  const value = (p: CapacityProbe['deltas'][number]) => (bits ? p.informationBits : p.accuracy);
  const ticks = bits ? Array.from({ length: Math.floor(max) + 1 }, (_, i) => i) : [0, 0.25, 0.5, 0.75, 1];
  const body = ['<g class="capacity-panel">'];
  body.push(
    ...frame(
      left,
      top,
      'probe capacity: decoders of other sizes on the same positions',
      bits ? 'information (bits)' : 'accuracy',
      ticks,
      py,
      (t) => (bits ? String(t) : `${Math.round(t * 100)}%`),
    ),
  );
  // x ticks: the sizes of the first layer swept, by name and parameter count; a label too close to the one before
  // it goes a row lower.
  let lastLabel = Number.NEGATIVE_INFINITY;
  let lastRow = 1;
  let rows = 1;
  for (const p of swept[0]?.capacity ?? []) {
    const cx = px(p.parameters);
    const row = cx - lastLabel < 40 && lastRow === 0 ? 1 : 0;
    lastLabel = cx;
    lastRow = row;
    rows = Math.max(rows, row + 1);
    const ly = top + H + 13 + row * 24;
    body.push(
      `<line x1="${num(cx)}" y1="${num(top + H)}" x2="${num(cx)}" y2="${num(top + H + 3 + row * 24)}" stroke="${AXIS_COLOR}" stroke-width="0.8"/>`,
      textEl(cx, ly, factorName(p.factor), { size: FONT.tick, anchor: 'middle' }),
      textEl(cx, ly + 12, p.parameters.toLocaleString('en-US'), {
        size: FONT.tick,
        anchor: 'middle',
        fill: MUTED_COLOR,
      }),
    );
  }
  const below = top + H + (rows - 1) * 24;
  body.push(
    textEl(left + W / 2, below + 39, 'decoder parameters (log scale)', {
      size: FONT.tick,
      anchor: 'middle',
      attrs: 'class="axis-title"',
    }),
  );
  swept.forEach((s, i) => {
    const color = seriesColor(i);
    const probes = s.capacity!;
    const deltas = Math.min(...probes.map((p) => p.deltas.length));
    for (let d = 0; d < deltas; d++) {
      const pts = probes.map((p) => `${num(px(p.parameters))},${num(py(value(p.deltas[d]!)))}`).join(' ');
      body.push(
        `<polyline class="capacity-delta" points="${pts}" fill="none" stroke="${color}" stroke-width="0.8" stroke-opacity="0.35"/>`,
      );
      for (const p of probes) {
        const point = p.deltas[d]!;
        const tip = `${s.name} · δ ${point.delta} · ${factorName(p.factor)} (hidden ${p.hidden.length ? p.hidden.join(',') : 'none'}, ${p.parameters} parameters): accuracy ${percent(point.accuracy)}, ${bitsText(point.informationBits)} bits${point.front ? ' · on the front' : ''}`;
        const fill = point.front ? color : '#ffffff';
        body.push(
          `<circle class="capacity-point" cx="${num(px(p.parameters))}" cy="${num(py(value(point)))}" r="2.2" fill="${fill}" stroke="${color}" stroke-width="1" ${dataAttrs({ layer: s.layer, delta: point.delta, factor: p.factor, parameters: p.parameters, value: value(point), front: String(point.front) })}><title>${esc(tip)}</title></circle>`,
        );
      }
    }
    const mean = probes.map((p) => p.deltas.slice(0, deltas).reduce((a, q) => a + value(q), 0) / deltas);
    const dash = seriesDash(i) ? ` stroke-dasharray="${seriesDash(i)}"` : '';
    const pts = probes.map((p, k) => `${num(px(p.parameters))},${num(py(mean[k]!))}`).join(' ');
    body.push(
      `<polyline class="capacity-mean" points="${pts}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
    );
  });
  const entries = swept.map((s, i) => ({
    swatch: `<path d="M${num(left)} {y}h20" stroke="${seriesColor(i)}" stroke-width="2"${seriesDash(i) ? ` stroke-dasharray="${seriesDash(i)}"` : ''}/>`,
    text: `${s.name}: mean over δ (thin: each δ)`,
  }));
  entries.push({
    swatch: `<circle cx="${num(left + 10)}" cy="{y}" r="2.2" fill="#555555"/>`,
    text: 'on the front: beats every smaller decoder at its δ (hollow: does not)',
  });
  const l = legend(left, below + 54, entries);
  body.push(...l.body, '</g>');
  return { body, width: l.right - x, height: l.bottom - y };
}

/** Online code length in bits per position against δ, per layer; the prior code of the first layer dashed. */
export function onlineCodePanel(series: readonly ProbeSeries[], x: number, y: number): PanelBox {
  const coded = series.filter((s) => s.deltas.every((d) => d.onlineCode));
  const left = x + 44;
  const top = y + 18;
  const D = Math.min(...coded.map((s) => s.deltas.length));
  const max = Math.max(1, ...coded.map((s) => Math.ceil(s.deltas[0]!.onlineCode!.uniformBitsPerPosition)));
  const px = (delta: number) => (D === 1 ? left + W / 2 : left + ((delta - 1) / (D - 1)) * W);
  const py = (v: number) => top + H - (Math.min(max, Math.max(0, v)) / max) * H;
  const step = max <= 6 ? 1 : Math.ceil(max / 6);
  const ticks: number[] = [];
  for (let v = 0; v <= max; v += step) ticks.push(v);
  const body = ['<g class="online-code-panel">'];
  body.push(
    ...frame(left, top, 'description length: online code of the symbol δ back', 'bits per position', ticks, py, String),
  );
  for (let d = 1; d <= D; d++) {
    body.push(textEl(px(d), top + H + 13, String(d), { size: FONT.tick, anchor: 'middle' }));
  }
  body.push(
    textEl(left + W / 2, top + H + 27, 'δ (steps back)', {
      size: FONT.tick,
      anchor: 'middle',
      attrs: 'class="axis-title"',
    }),
  );
  const first = coded[0];
  if (first) {
    const pts = first.deltas
      .slice(0, D)
      .map((d) => `${num(px(d.delta))},${num(py(d.onlineCode!.priorBitsPerPosition))}`);
    body.push(
      `<polyline class="prior-code" points="${pts.join(' ')}" fill="none" stroke="#555555" stroke-width="1.2" stroke-dasharray="4 3"/>`,
    );
  }
  coded.forEach((s, i) => {
    const color = seriesColor(i);
    const dash = seriesDash(i) ? ` stroke-dasharray="${seriesDash(i)}"` : '';
    const deltas = s.deltas.slice(0, D);
    const pts = deltas.map((d) => `${num(px(d.delta))},${num(py(d.onlineCode!.bitsPerPosition))}`).join(' ');
    body.push(`<polyline class="series" points="${pts}" fill="none" stroke="${color}" stroke-width="1.6"${dash}/>`);
    for (const d of deltas) {
      const c = d.onlineCode!;
      const seeds = c.seedBitsPerPosition
        ? ` · per seed ${c.seedBitsPerPosition.map((b) => b.toFixed(3)).join(', ')}`
        : '';
      const tip = `${s.name} · δ ${d.delta}: ${c.bitsPerPosition.toFixed(3)} bits per position (uniform ${c.uniformBitsPerPosition.toFixed(2)}, prior ${c.priorBitsPerPosition.toFixed(2)}); compression ${c.compression.toFixed(2)}× over uniform, ${c.priorCompression.toFixed(2)}× over the prior${seeds}`;
      body.push(
        `<circle class="point" cx="${num(px(d.delta))}" cy="${num(py(c.bitsPerPosition))}" r="2.6" fill="${color}" ${dataAttrs({ layer: s.layer, delta: d.delta, value: c.bitsPerPosition })}><title>${esc(tip)}</title></circle>`,
      );
    }
  });
  const entries = coded.map((s, i) => ({
    swatch: `<path d="M${num(left)} {y}h20" stroke="${seriesColor(i)}" stroke-width="1.6"${seriesDash(i) ? ` stroke-dasharray="${seriesDash(i)}"` : ''}/>`,
    text: s.name,
  }));
  entries.push({
    swatch: `<path d="M${num(left)} {y}h20" stroke="#555555" stroke-width="1.2" stroke-dasharray="4 3"/>`,
    text: 'prior code: the entropy of the symbol’s prior',
  });
  const l = legend(left, top + H + 42, entries);
  body.push(...l.body, '</g>');
  return { body, width: l.right - x, height: l.bottom - y };
}
