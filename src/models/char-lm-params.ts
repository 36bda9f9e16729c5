// Parameter names and shapes of the character LM, exactly as PyTorch names them for
// nn.Embedding (embed) → nn.LSTM / nn.GRU (rnn) → nn.Linear (proj), so a PyTorch state_dict loads as it is.

import type { GateActivation } from '../core/activations.js';
import type { CellKind } from './config.js';

/** Gate blocks per cell: LSTM i,f,g,o; GRU r,z,n (PyTorch order). */
export function gateCount(cell: CellKind): number {
  return cell === 'lstm' ? 4 : 3;
}

export interface CharLmShape {
  cell: CellKind;
  layers: number;
  units: number;
  embed: number;
  vocab: number;
  /** GRU only: false for the reset gate applied before the recurrent product (imported models; forward only). */
  resetAfter?: boolean;
  /** hard_sigmoid: Keras's hard sigmoid on the gates (imported models; forward only). Absent: the sigmoid. */
  gate?: GateActivation;
}

/** Every parameter of the model, name → shape, in a fixed order. */
export function charLmParamShapes(s: CharLmShape): Map<string, number[]> {
  const g = gateCount(s.cell) * s.units;
  const shapes = new Map<string, number[]>();
  shapes.set('embed.weight', [s.vocab, s.embed]);
  for (let k = 0; k < s.layers; k++) {
    const inputSize = k === 0 ? s.embed : s.units;
    shapes.set(`rnn.weight_ih_l${k}`, [g, inputSize]);
    shapes.set(`rnn.weight_hh_l${k}`, [g, s.units]);
    shapes.set(`rnn.bias_ih_l${k}`, [g]);
    shapes.set(`rnn.bias_hh_l${k}`, [g]);
  }
  shapes.set('proj.weight', [s.vocab, s.units]);
  shapes.set('proj.bias', [s.vocab]);
  return shapes;
}
