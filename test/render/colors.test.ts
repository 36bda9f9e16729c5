import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DIVERGING_STOPS,
  divergingColor,
  GREEN_STOPS,
  interpolateStops,
  PURPLE_STOPS,
  sequentialColor,
  textColorOn,
} from '../../src/render/colors.js';

test('sequentialColor(purple): white at 0, the darkest purple at 1, stop k of 8 at k/8', () => {
  assert.equal(sequentialColor('purple', 0), '#ffffff');
  assert.equal(sequentialColor('purple', 1), '#3f007d');
  assert.equal(sequentialColor('purple', 0.5), '#9e9ac8');
  PURPLE_STOPS.forEach((stop, k) => {
    assert.equal(sequentialColor('purple', k / 8), stop);
  });
  // Halfway between two stops is the mean of their channels (linear in sRGB): #ffffff and #efedf5 → #f7f6fa.
  assert.equal(sequentialColor('purple', 1 / 16), '#f7f6fa');
  // Out of range values are clamped.
  assert.equal(sequentialColor('purple', -0.5), '#ffffff');
  assert.equal(sequentialColor('purple', 3), '#3f007d');
});

test('sequentialColor(green) and divergingColor() end at their documented stops', () => {
  assert.equal(sequentialColor('green', 0), GREEN_STOPS[0]);
  assert.equal(sequentialColor('green', 1), GREEN_STOPS[GREEN_STOPS.length - 1]);
  assert.equal(divergingColor(0), '#ffffff');
  assert.equal(divergingColor(1), '#67001f');
  assert.equal(divergingColor(-1), '#053061');
  assert.equal(divergingColor(0.2), DIVERGING_STOPS[6]);
  assert.equal(interpolateStops(['#000000', '#ffffff'], 0.5), '#808080');
});

test('textColorOn() picks white on dark fills and black on light ones', () => {
  assert.equal(textColorOn('#3f007d'), '#ffffff');
  assert.equal(textColorOn('#ffffff'), '#000000');
  assert.equal(textColorOn('#9e9ac8'), '#000000');
});
