import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unconvergedDeltas } from '../../src/analysis/convergence.js';
import type { Signature } from '../../src/analysis/signature-types.js';
import { learningCurveChart } from '../../src/web/page/curve.js';
import { describeSignatureCell } from '../../src/web/page/describe.js';
import { heatmapLayout } from '../../src/web/page/layout.js';
import { type FigureSpec, figureFor } from '../../src/web/page/specs.js';
import { hasCurves, initialState, type ViewState } from '../../src/web/page/state.js';
import { LSTM_PATH, LSTM_V2_PATH, readFixture } from './helpers.js';

const v1 = readFixture(LSTM_PATH);
const v2 = readFixture(LSTM_V2_PATH);

function figure(sigs: Signature[], change: Partial<ViewState> = {}): FigureSpec {
  const loaded = sigs.map((sig, i) => ({ file: `${i}.json`, sig }));
  const result = figureFor({ ...initialState(loaded), ...change }, loaded);
  assert.ok(result.ok);
  return result.figure;
}

/** The rows (δ) a heatmap spec marks. */
function markedRows(f: FigureSpec): number[] {
  return (f.heatmap.rowMarks ?? []).flatMap((m, r) => (m ? [f.heatmap.grid.deltas[r]!] : []));
}

test('learningCurveChart(): one point per epoch of each stage, on one epoch axis, with chance and the verdict', () => {
  const d = v2.layers[0]!.deltas[5]!;
  const c = d.convergence!.curve;
  const chart = learningCurveChart(d, v2.settings.convergenceTolerance)!;
  assert.equal(chart.half.length, c.half.length);
  assert.equal(chart.full.length, c.full.length);
  const all = [...chart.half, ...chart.full];
  assert.deepEqual(
    all.map((p) => p.epoch),
    all.map((_, i) => i + 1),
    'the full stage continues the half stage’s epochs',
  );
  assert.deepEqual(
    all.map((p) => p.value),
    [...c.half, ...c.full],
  );
  for (let i = 1; i < all.length; i++) assert.ok(all[i]!.x > all[i - 1]!.x);
  // Higher accuracy is higher up; every point and chance lie inside the plot.
  const best = all.reduce((a, b) => (b.value > a.value ? b : a));
  assert.ok(all.every((p) => p.y >= best.y && p.y <= chart.bottom && p.x >= chart.left && p.x <= chart.right));
  assert.ok(chart.chanceY >= chart.top && chart.chanceY <= chart.bottom);
  assert.ok(chart.boundary! > chart.half.at(-1)!.x && chart.boundary! < chart.full[0]!.x);
  assert.ok(chart.yTicks.length >= 2 && chart.xTicks[0]!.text === '1');
  const line = (field: string) => chart.lines.find((l) => l.field === field)!.value;
  assert.equal(line('data-gain'), '+1.5 ± 1.6 pp (3,330 → 6,660 train positions)');
  assert.equal(line('epoch-gain'), '+0.7 pp (stopped at the epoch cap)');
  assert.equal(line('verdict'), 'not converged: more data or epochs would still raise it');
  assert.equal(chart.converged, false);
  const calm = learningCurveChart(v2.layers[0]!.deltas[0]!, 0.005)!;
  assert.equal(calm.lines.at(-1)!.value, 'converged: more data or epochs would raise it by 0.5 pp at most');
  // A version-1 decoder has no curve.
  assert.equal(learningCurveChart(v1.layers[0]!.deltas[0]!, undefined), null);
});

test('the signature figure marks † exactly on the unconverged rows, rings them in the chart and explains both', () => {
  for (const layer of [0, 1]) {
    const f = figure([v2], { layer });
    assert.deepEqual(markedRows(f), unconvergedDeltas(v2.layers[layer]!));
    for (const m of f.heatmap.rowMarks!) if (m) assert.deepEqual(m, { mark: '†', data: { converged: 'false' } });
    assert.deepEqual(f.heatmap.rowNote, [['†', 'not converged: more data or epochs would still raise it']]);
    f.marginal.series.forEach((s, i) => {
      assert.deepEqual(
        s.hollow,
        v2.layers[i]!.deltas.map((d) => d.convergence!.converged === false),
      );
    });
    assert.equal(f.marginal.hollowNote, 'not converged');
    assert.match(f.help, /† beside δ, a ring in the chart/);
    assert.match(f.help, /“Learning curve” \(or L\)/);
  }
  const old = figure([v1]);
  assert.deepEqual(markedRows(old), []);
  assert.equal(old.heatmap.rowNote, undefined);
  assert.equal(old.marginal.hollowNote, null);
  assert.doesNotMatch(old.help, /†|Learning curve/);
  assert.ok(hasCurves({ file: 'a', sig: v2 }) && !hasCurves({ file: 'b', sig: v1 }));
});

test('the cell panel has the curve only when asked for and only for a version-2 signature', () => {
  const f = figure([v2], { layer: 1 });
  assert.equal(f.describe(3, 4)!.curve ?? null, null, 'not asked for');
  const on = figure([v2], { layer: 1, curve: true });
  const tip = on.describe(3, 4)!;
  assert.equal(tip.curve!.half.length + tip.curve!.full.length, 9 + 8);
  assert.equal(
    tip.rows.find((r) => r.field === 'converged')!.value,
    '† not converged: more data or epochs would still raise it',
  );
  assert.equal(on.describe(0, 4)!.rows.find((r) => r.field === 'converged')!.value, 'converged');
  // The forward strip has no decoder, and a version-1 cell has neither curve nor verdict.
  assert.equal(on.describe(6, 4)!.curve ?? null, null);
  const old = describeSignatureCell(v1, 0, 3, 4, true);
  assert.equal(old.curve, null);
  assert.equal(
    old.rows.find((r) => r.field === 'converged'),
    undefined,
  );
});

test('a difference marks † where A’s decoder is not converged and ‡ where B’s is', () => {
  const f = figure([v2, v2], { mode: 'diff', a: { sig: 0, layer: 0 }, b: { sig: 1, layer: 1 } });
  const marks = f.heatmap.rowMarks!.map((m) => m?.mark ?? '');
  assert.deepEqual(marks, ['', '', '‡', '†‡', '‡', '†']);
  assert.deepEqual(f.heatmap.rowMarks![3]!.data, { 'converged-a': 'false', 'converged-b': 'false' });
  assert.deepEqual(f.heatmap.rowNote, [
    ['†', 'A’s decoder,'],
    ['‡', 'B’s decoder not converged: more data or epochs would still raise it'],
  ]);
  assert.deepEqual(f.marginal.series[0]!.hollow, [false, false, false, true, false, true]);
  const plain = figure([v1, v1], { mode: 'diff', b: { sig: 1, layer: 1 } });
  assert.equal(plain.heatmap.rowMarks, undefined);
  assert.equal(plain.marginal.hollowNote, null);
});

test('heatmapLayout() makes room for the marks’ note under the legend only when asked', () => {
  const plain = heatmapLayout(30, 6, true, 1000);
  const noted = heatmapLayout(30, 6, true, 1000, true);
  assert.equal(noted.height, plain.height + 16);
  assert.ok(noted.noteBaseline > noted.legendTop + 25 && noted.noteBaseline < noted.height);
});
