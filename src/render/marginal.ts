// Marginal recall (the paper's Figures 2 and 3): overall decoder accuracy per δ, for each layer of one model or for
// several models. Drawn two ways side by side: a small δ × column heatmap with the numbers in its cells (the paper's
// form), and a line chart of accuracy against δ with 95% Wilson intervals as error bars and chance as a dashed line.
// With metric 'bits' both show the information recovered (bits per symbol) and the dashed line is the prior entropy;
// with 'excess' the table shows the accuracy above the text-only baseline and the chart's dashed line is that baseline.

import type { DeltaSeeds, DeltaSignature, SeedSpread, Signature } from '../analysis/signature-types.js';
import { type Palette, sequentialColor, seriesColor, seriesDash, textColorOn } from './colors.js';
import { isNotConverged, NOT_CONVERGED_MARK, NOT_CONVERGED_NOTE } from './convergence-marks.js';
import { columnLabels, deltaLabels, drawGrid, type GridCell, type GridGeometry, rowLabels } from './heatmap.js';
import { BODY_TOP, deltaAxisTitle, GUTTER, MARGIN, positionsText, stateName, titleBlock } from './layout.js';
import { capacityPanel, onlineCodePanel, type PanelBox, type ProbeSeries } from './probe-panels.js';
import { seedCountText } from './seed-label.js';
import { excessAccuracy, findLayer, type Metric } from './signature-data.js';
import {
  AXIS_COLOR,
  bitsText,
  dataAttrs,
  displaySymbol,
  esc,
  FONT,
  GRID_COLOR,
  MUTED_COLOR,
  middleBaseline,
  num,
  percent,
  pValueText,
  svgDocument,
  textEl,
  textWidth,
} from './svg.js';

/** One column of the table and one line of the chart. */
export interface MarginalSeries {
  /** Column header (short: "layer 1", "a"). */
  key: string;
  /** Legend text. */
  name: string;
  deltas: readonly DeltaSignature[];
  /** Alphabet size (the bits scale). */
  alphabetSize: number;
  /** data-* attributes of each of its cells and points (e.g. { layer: 1 }). */
  data: Record<string, string | number>;
}

export interface MarginalOptions {
  /** Layers to show; default all. */
  layers?: number[];
  metric: Metric;
  palette: Palette;
  label: string;
  standalone: boolean;
}

export function renderMarginalSvg(sig: Signature, o: MarginalOptions): string {
  const layers = (o.layers ?? sig.layers.map((l) => l.layer)).map((l) => findLayer(sig, l));
  const series: MarginalSeries[] = layers.map((l) => ({
    key: `layer ${l.layer}`,
    name: `layer ${l.layer}${l.layer === 1 ? ' (input side)' : ''}`,
    deltas: l.deltas,
    alphabetSize: sig.alphabet.length,
    data: { layer: l.layer },
  }));
  const what =
    o.metric === 'accuracy'
      ? 'marginal recall: accuracy over all symbols, per δ and layer'
      : o.metric === 'excess'
        ? 'accuracy above the text-only baseline (percentage points), per δ and layer'
        : 'information recovered per δ and layer, bits per symbol';
  const title = `${o.label} · ${stateName(sig.state)}`;
  const subtitle = `${what} · ${sig.layers[0] ? positionsText(sig.layers[0]) : '0'} eval positions`;
  const head = titleBlock(title, subtitle);
  const chart = marginalBody(series, o.metric, o.palette, MARGIN, BODY_TOP);
  // --capacity-sweep and --mdl: their panels side by side under the table and chart.
  const probes: ProbeSeries[] = layers.map((l) => ({ ...l, name: `layer ${l.layer}` }));
  const panels: PanelBox[] = [];
  let px = MARGIN;
  const py = BODY_TOP + chart.height + 24;
  if (probes.some((p) => p.capacity?.length)) {
    const bitsMax = Math.max(1, Math.ceil(Math.log2(Math.max(2, sig.alphabet.length))));
    panels.push(capacityPanel(probes, o.metric === 'bits', bitsMax, px, py));
    px += panels[panels.length - 1]!.width + 40;
  }
  if (probes.some((p) => p.deltas.every((d) => d.onlineCode))) panels.push(onlineCodePanel(probes, px, py));
  const panelsWidth = panels.reduce((a, p) => a + p.width + 40, 0);
  const width = Math.max(MARGIN + chart.width + MARGIN, MARGIN + panelsWidth, head.width);
  const height = (panels.length ? py + Math.max(...panels.map((p) => p.height)) : BODY_TOP + chart.height) + MARGIN;
  return svgDocument(width, height, [...head.body, ...chart.body, ...panels.flatMap((p) => p.body)], {
    title: `Marginal recall: ${title}`,
    standalone: o.standalone,
  });
}

const COLUMN_WIDTH = 46;
const ROW_HEIGHT = 16;
const PLOT_WIDTH = 250;
const PLOT_HEIGHT = 150;

/** The table and the chart for `series`, from (x, y); returns the elements and their extent. */
export function marginalBody(
  series: readonly MarginalSeries[],
  metric: Metric,
  palette: Palette,
  x: number,
  y: number,
): { body: string[]; width: number; height: number } {
  const D = Math.min(...series.map((s) => s.deltas.length));
  const max =
    metric !== 'bits' ? 1 : Math.max(1, ...series.map((s) => Math.ceil(Math.log2(Math.max(2, s.alphabetSize)))));
  const body: string[] = ['<g class="marginal-table">'];
  // The table: δ rows × series columns, and a chance (prior entropy, text-only) column when all series share it.
  const top = y + 18;
  const grid: GridGeometry = { x: x + GUTTER, y: top, cellWidth: COLUMN_WIDTH, cellHeight: ROW_HEIGHT };
  const cells: GridCell[] = [];
  series.forEach((s, col) => {
    s.deltas.slice(0, D).forEach((d, row) => {
      const value = tableValue(d, metric);
      const fill = sequentialColor(palette, value / max);
      const text =
        metric === 'accuracy'
          ? percent(value, 0)
          : metric === 'excess'
            ? signedPoints(value, 0, '')
            : bitsText(value, 2);
      const unconverged = isNotConverged(d);
      cells.push({
        row,
        col,
        fill,
        className: 'cell',
        data: unconverged
          ? { ...s.data, delta: d.delta, value, converged: 'false' }
          : { ...s.data, delta: d.delta, value },
        tooltip: `${s.name} · δ ${d.delta}: ${marginalDetails(d)}`,
        label: { text: unconverged ? `${text}${NOT_CONVERGED_MARK}` : text, color: textColorOn(fill) },
      });
    });
  });
  body.push(...drawGrid(grid, D, series.length, cells));
  body.push(...rowLabels(grid, deltaLabels(D), grid.x - 5));
  body.push(
    ...columnLabels(
      grid,
      series.map((s) => s.key),
      top - 5,
    ),
  );
  body.push(
    textEl(x + 10, top + (D * ROW_HEIGHT) / 2, deltaAxisTitle(D * ROW_HEIGHT), {
      size: FONT.tick,
      anchor: 'middle',
      rotate: -90,
      attrs: 'class="axis-title"',
    }),
  );
  let tableRight = grid.x + series.length * COLUMN_WIDTH;
  const reference = referenceOf(metric);
  const shared = series.every((s) =>
    s.deltas.slice(0, D).every((d, i) => Math.abs(reference(d) - reference(series[0]!.deltas[i]!)) < 5e-4),
  );
  if (shared) {
    const cx = tableRight + COLUMN_WIDTH / 2;
    body.push(
      textEl(cx, top - 5, metric === 'accuracy' ? 'chance' : metric === 'excess' ? 'text' : 'prior H', {
        size: FONT.tick,
        anchor: 'middle',
        fill: MUTED_COLOR,
      }),
    );
    series[0]!.deltas.slice(0, D).forEach((d, row) => {
      const v = reference(d);
      body.push(
        textEl(
          cx,
          middleBaseline(top + (row + 0.5) * ROW_HEIGHT, FONT.cell),
          metric !== 'bits' ? percent(v, 0) : bitsText(v, 2),
          {
            size: FONT.cell,
            anchor: 'middle',
            fill: MUTED_COLOR,
            attrs: 'class="chance-value"',
          },
        ),
      );
    });
    tableRight += COLUMN_WIDTH;
  }
  body.push('</g>');
  const tableBottom = top + D * ROW_HEIGHT;
  const chart = lineChart(series, D, metric, max, shared, tableRight + 40, y + 8);
  body.push(...chart.body);
  return {
    body,
    width: chart.right - x,
    height: Math.max(tableBottom, chart.bottom) - y,
  };
}

/** Everything known about one decoder's overall accuracy, for tooltips. */
export function marginalDetails(d: DeltaSignature): string {
  const text = d.textBaseline;
  return (
    `accuracy ${percent(d.accuracy)} (95% interval ${percent(d.accuracyInterval.low)}–${percent(d.accuracyInterval.high)}) · ` +
    `chance ${percent(d.chanceAccuracy)} (always ${displaySymbol(d.chanceSymbol)}) · p ${pValueText(d.pValue)} · ` +
    (text
      ? `text alone ${percent(text.accuracy)}, excess ${signedPoints(d.accuracy - text.accuracy)} ` +
        `(${signedPoints(text.excessInterval.low)} to ${signedPoints(text.excessInterval.high)}, p ${pValueText(text.excessPValue)}) · `
      : '') +
    `${bitsText(d.informationBits)} of ${bitsText(d.priorEntropyBits)} bits · ${d.positions.eval} positions` +
    (d.seeds ? ` · ${seedSpreadText(d.seeds)}` : '') +
    (d.onlineCode ? ` · online code ${bitsText(d.onlineCode.bitsPerPosition)} bits a position` : '') +
    (isNotConverged(d) ? ` · decoder ${NOT_CONVERGED_NOTE}` : '')
  );
}

/** "over 3 decoder seeds: accuracy 52.3% ± 1.2 pp (51.0%–53.6%)" (or model seeds): the mean, sample sd and range. */
export function seedSpreadText(x: DeltaSeeds): string {
  const a = x.accuracySpread;
  return (
    `over ${seedCountText(x)}: accuracy ${percent(a.mean)} ± ${(100 * a.sd).toFixed(1)} pp ` +
    `(${percent(a.min)}–${percent(a.max)})`
  );
}

/** The spread the chart draws as a band: of accuracy, or of the information bits. */
function seedSpreadOf(d: DeltaSignature, metric: Metric): SeedSpread | undefined {
  return metric === 'bits' ? d.seeds?.informationBitsSpread : d.seeds?.accuracySpread;
}

/** A table cell's number: accuracy, information bits, or accuracy above the text-only baseline. */
function tableValue(d: DeltaSignature, metric: Metric): number {
  if (metric === 'excess') return excessAccuracy(d) ?? 0;
  return metric === 'accuracy' ? d.accuracy : d.informationBits;
}

/** The reference column and dashed line: chance, the prior's entropy, or the text-only baseline's accuracy. */
function referenceOf(metric: Metric): (d: DeltaSignature) => number {
  if (metric === 'excess') return (d) => d.textBaseline?.accuracy ?? 0;
  return metric === 'accuracy' ? (d) => d.chanceAccuracy : (d) => d.priorEntropyBits;
}

/** "+52.3 pp", "−4.0 pp", "0 pp": a difference of two accuracies in percentage points (`digits` decimals). */
export function signedPoints(x: number, digits = 1, unit = ' pp'): string {
  const v = Number((100 * x).toFixed(digits));
  if (v === 0) return `0${unit}`;
  return `${v > 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}${unit}`;
}

function lineChart(
  series: readonly MarginalSeries[],
  D: number,
  metric: Metric,
  max: number,
  sharedReference: boolean,
  x0: number,
  y0: number,
): { body: string[]; right: number; bottom: number } {
  const body: string[] = ['<g class="marginal-chart">'];
  const left = x0 + 30;
  const top = y0 + 6;
  const w = PLOT_WIDTH;
  const h = PLOT_HEIGHT;
  const px = (delta: number) => (D === 1 ? left + w / 2 : left + ((delta - 1) / (D - 1)) * w);
  const py = (v: number) => top + h - (Math.min(max, Math.max(0, v)) / max) * h;
  // Grid and y ticks.
  // The chart of 'excess' draws accuracy against the text-only baseline: the gap between them is the excess.
  const ticks = metric !== 'bits' ? [0, 0.25, 0.5, 0.75, 1] : yTicksBits(max);
  for (const t of ticks) {
    const y = py(t);
    body.push(
      `<line x1="${num(left)}" y1="${num(y)}" x2="${num(left + w)}" y2="${num(y)}" stroke="${GRID_COLOR}" stroke-width="0.8"/>`,
    );
    body.push(
      textEl(left - 4, middleBaseline(y, FONT.tick), metric !== 'bits' ? `${Math.round(t * 100)}%` : String(t), {
        size: FONT.tick,
        anchor: 'end',
      }),
    );
  }
  body.push(
    `<path d="M${num(left)} ${num(top)}V${num(top + h)}H${num(left + w)}" fill="none" stroke="${AXIS_COLOR}" stroke-width="0.8"/>`,
  );
  const every = D <= 12 ? 1 : Math.ceil(D / 10);
  for (let d = 1; d <= D; d++) {
    if (d !== 1 && d % every !== 0) continue;
    body.push(
      `<line x1="${num(px(d))}" y1="${num(top + h)}" x2="${num(px(d))}" y2="${num(top + h + 3)}" stroke="${AXIS_COLOR}" stroke-width="0.8"/>`,
    );
    body.push(textEl(px(d), top + h + 13, String(d), { size: FONT.tick, anchor: 'middle' }));
  }
  body.push(
    textEl(left + w / 2, top + h + 27, 'δ (steps back)', {
      size: FONT.tick,
      anchor: 'middle',
      attrs: 'class="axis-title"',
    }),
  );
  body.push(
    textEl(x0 - 4, top + h / 2, metric !== 'bits' ? 'accuracy' : 'information (bits)', {
      size: FONT.tick,
      anchor: 'middle',
      rotate: -90,
      attrs: 'class="axis-title"',
    }),
  );
  // The reference: chance accuracy, or the prior entropy (everything there is to recall), dashed.
  const refOf = referenceOf(metric);
  const referenceSeries = sharedReference ? series.slice(0, 1) : series;
  referenceSeries.forEach((s, i) => {
    const pts = s.deltas.slice(0, D).map((d) => `${num(px(d.delta))},${num(py(refOf(d)))}`);
    const color = sharedReference ? '#555555' : seriesColor(i);
    body.push(
      `<polyline class="chance-line" points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="1.2" stroke-dasharray="4 3"${sharedReference ? '' : ' stroke-opacity="0.7"'}/>`,
    );
  });
  // The series: error bars (accuracy), lines, points.
  const rings: string[] = [];
  series.forEach((s, i) => {
    const color = seriesColor(i);
    const deltas = s.deltas.slice(0, D);
    const value = (d: DeltaSignature) => (metric !== 'bits' ? d.accuracy : d.informationBits);
    // Several decoder or model seeds: mean ± one sample sd over the seeds, a band under the line (drawn only where every δ has it).
    if (deltas.length > 0 && deltas.every((d) => d.seeds)) {
      const upper = deltas.map((d) => `${num(px(d.delta))},${num(py(value(d) + seedSpreadOf(d, metric)!.sd))}`);
      const lower = deltas.map((d) => `${num(px(d.delta))},${num(py(value(d) - seedSpreadOf(d, metric)!.sd))}`);
      body.push(
        `<polygon class="seed-band" points="${[...upper, ...lower.reverse()].join(' ')}" fill="${color}" ` +
          `fill-opacity="0.18" stroke="none" ${dataAttrs({ ...s.data, seeds: deltas[0]!.seeds!.seeds.length })}/>`,
      );
    }
    if (metric !== 'bits') {
      const bars = deltas
        .map((d) => {
          const x = px(d.delta);
          const lo = py(d.accuracyInterval.low);
          const hi = py(d.accuracyInterval.high);
          return `M${num(x)} ${num(lo)}V${num(hi)}M${num(x - 2.5)} ${num(lo)}h5M${num(x - 2.5)} ${num(hi)}h5`;
        })
        .join('');
      body.push(`<path class="error-bars" d="${bars}" stroke="${color}" stroke-width="1" fill="none"/>`);
    }
    const pts = deltas.map((d) => `${num(px(d.delta))},${num(py(value(d)))}`).join(' ');
    const dash = seriesDash(i) ? ` stroke-dasharray="${seriesDash(i)}"` : '';
    body.push(`<polyline class="series" points="${pts}" fill="none" stroke="${color}" stroke-width="1.6"${dash}/>`);
    for (const d of deltas) {
      const at = `cx="${num(px(d.delta))}" cy="${num(py(value(d)))}"`;
      const data = { ...s.data, delta: d.delta, value: value(d) };
      const title = `<title>${esc(`${s.name} · δ ${d.delta}: ${marginalDetails(d)}`)}</title></circle>`;
      if (!isNotConverged(d)) {
        body.push(`<circle class="point" ${at} r="2.6" fill="${color}" ${dataAttrs(data)}>${title}`);
        continue;
      }
      // A decoder not converged is a hollow ring, a little larger and drawn over every line: where it sits is still
      // shown (a lower bound of what the state holds), and a point of another layer at the same place hides no ring.
      rings.push(
        `<circle class="point not-converged" ${at} r="3.2" fill="#ffffff" stroke="${color}" stroke-width="1.4" ` +
          `${dataAttrs({ ...data, converged: 'false' })}>${title}`,
      );
    }
  });
  body.push(...rings);
  // Legend under the plot, one entry a line.
  let ly = top + h + 44;
  let right = left + w;
  const entry = (swatch: string, text: string) => {
    body.push(swatch);
    body.push(textEl(left + 26, middleBaseline(ly, FONT.tick), text, { size: FONT.tick }));
    right = Math.max(right, left + 26 + textWidth(text, FONT.tick));
    ly += 14;
  };
  series.forEach((s, i) => {
    entry(
      `<path d="M${num(left)} ${num(ly)}h20" stroke="${seriesColor(i)}" stroke-width="1.6"${seriesDash(i) ? ` stroke-dasharray="${seriesDash(i)}"` : ''}/><circle cx="${num(left + 10)}" cy="${num(ly)}" r="2.6" fill="${seriesColor(i)}"/>`,
      s.name,
    );
  });
  const refName =
    metric === 'excess'
      ? sharedReference
        ? 'text alone: the best guess from the symbols after it'
        : 'text alone of each (dashed, same colour)'
      : metric === 'accuracy'
        ? sharedReference
          ? `chance (always guessing ${displaySymbol(series[0]!.deltas[0]!.chanceSymbol)})`
          : 'chance of each (dashed, same colour)'
        : 'prior entropy: all there is to recall';
  entry(
    `<path d="M${num(left)} ${num(ly)}h20" stroke="${sharedReference ? '#555555' : '#999999'}" stroke-width="1.2" stroke-dasharray="4 3"/>`,
    refName,
  );
  if (metric !== 'bits') {
    entry(
      `<path d="M${num(left + 10)} ${num(ly - 5)}v10M${num(left + 7.5)} ${num(ly - 5)}h5M${num(left + 7.5)} ${num(ly + 5)}h5" stroke="#555555" stroke-width="1"/>`,
      '95% Wilson interval',
    );
  }
  const seeded = series.find((s) => s.deltas.length > 0 && s.deltas.slice(0, D).every((d) => d.seeds));
  if (seeded) {
    entry(
      `<rect class="legend-seed-band" x="${num(left)}" y="${num(ly - 4)}" width="20" height="8" fill="#555555" fill-opacity="0.25"/>`,
      `± 1 sd over ${seedCountText(seeded.deltas[0]!.seeds!)}`,
    );
  }
  if (series.some((s) => s.deltas.slice(0, D).some(isNotConverged))) {
    entry(
      `<circle class="legend-not-converged" cx="${num(left + 10)}" cy="${num(ly)}" r="3.2" fill="#ffffff" stroke="#555555" stroke-width="1.4"/>`,
      `${NOT_CONVERGED_NOTE} (${NOT_CONVERGED_MARK} in the table)`,
    );
  }
  body.push('</g>');
  return { body, right, bottom: ly - 4 };
}

function yTicksBits(max: number): number[] {
  const step = max <= 6 ? 1 : Math.ceil(max / 6);
  const out: number[] = [];
  for (let v = 0; v <= max; v += step) out.push(v);
  return out;
}
