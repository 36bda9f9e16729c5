// Draws a learning curve (curve.ts) for the cell panel: the half-data stage and the all-data stage as two lines of
// dots over epochs, a line where the data doubled, chance dashed, and the verdict in words under it.

import type { CurveChart, CurvePoint } from './curve.js';
import { htmlEl, svgEl } from './dom.js';

function stage(points: readonly CurvePoint[], name: 'half' | 'full'): SVGGElement {
  const g = svgEl('g', { class: `curve-stage curve-${name}`, 'data-stage': name });
  if (points.length > 1) {
    g.append(
      svgEl('polyline', {
        points: points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '),
        class: 'curve-line',
      }),
    );
  }
  for (const p of points) {
    g.append(
      svgEl(
        'circle',
        {
          cx: p.x,
          cy: p.y,
          r: 2.4,
          class: 'curve-point',
          'data-stage': name,
          'data-epoch': p.epoch,
          'data-value': p.value,
        },
        svgEl(
          'title',
          {},
          `epoch ${p.epoch} (${name === 'half' ? 'half' : 'all'} of the data): ${(100 * p.value).toFixed(2)}%`,
        ),
      ),
    );
  }
  return g;
}

/** The chart and its words, as one element for the cell panel. */
export function drawCurveChart(chart: CurveChart): HTMLElement {
  const { width, height, left, right, top, bottom } = chart;
  const svg = svgEl('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    class: 'curve-chart',
    role: 'img',
    'aria-label': 'The decoder’s dev accuracy per epoch, on half of the train positions and then on all of them',
  });
  const axis = svgEl('g', { class: 'axis' });
  for (const t of chart.yTicks) {
    axis.append(svgEl('line', { x1: left, x2: right, y1: t.y, y2: t.y, class: 'gridline' }));
    axis.append(svgEl('text', { x: left - 5, y: t.y, 'text-anchor': 'end', 'dominant-baseline': 'central' }, t.text));
  }
  for (const t of chart.xTicks) {
    axis.append(svgEl('text', { x: t.x, y: bottom + 12, 'text-anchor': 'middle' }, t.text));
  }
  axis.append(
    svgEl('text', { x: (left + right) / 2, y: height - 1, 'text-anchor': 'middle', class: 'axis-title' }, 'epoch'),
  );
  axis.append(svgEl('path', { d: `M${left} ${top}V${bottom}H${right}`, class: 'curve-axis' }));
  svg.append(axis);
  svg.append(svgEl('line', { x1: left, x2: right, y1: chart.chanceY, y2: chart.chanceY, class: 'curve-chance' }));
  svg.append(svgEl('text', { x: right, y: chart.chanceY - 4, 'text-anchor': 'end', class: 'curve-note' }, 'chance'));
  if (chart.boundary !== null) {
    svg.append(
      svgEl('line', { x1: chart.boundary, x2: chart.boundary, y1: top - 4, y2: bottom, class: 'curve-boundary' }),
    );
  }
  // Stage names over their halves of the axis.
  if (chart.half.length > 0) {
    const x = chart.boundary === null ? (left + right) / 2 : (left + chart.boundary) / 2;
    svg.append(svgEl('text', { x, y: top - 8, 'text-anchor': 'middle', class: 'curve-note' }, 'half the data'));
  }
  if (chart.full.length > 0) {
    const x = chart.boundary === null ? (left + right) / 2 : (chart.boundary + right) / 2;
    svg.append(svgEl('text', { x, y: top - 8, 'text-anchor': 'middle', class: 'curve-note' }, 'all the data'));
  }
  svg.append(stage(chart.half, 'half'), stage(chart.full, 'full'));
  const words = htmlEl('dl', { class: 'curve-words' });
  for (const line of chart.lines) {
    words.append(
      htmlEl('dt', {}, line.label),
      htmlEl(
        'dd',
        { 'data-field': line.field, class: line.field === 'verdict' && !chart.converged ? 'not-converged' : null },
        line.value,
      ),
    );
  }
  return htmlEl(
    'div',
    { class: 'curve', 'data-field': 'curve', 'data-converged': String(chart.converged) },
    htmlEl('div', { class: 'curve-head' }, 'Learning curve: dev accuracy per epoch'),
    svg,
    words,
  );
}
