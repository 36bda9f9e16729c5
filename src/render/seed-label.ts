// How a figure names the seeds behind a spread: a decoder trained with several seeds (--decoder-seeds), or a model
// trained with several, whose signatures were combined (a group a1.json,a2.json,…).

import type { DeltaSeeds } from '../analysis/signature-types.js';

/** "3 decoder seeds" or "3 model seeds". */
export function seedCountText(x: Pick<DeltaSeeds, 'of' | 'seeds'>): string {
  return `${x.seeds.length} ${x.of === 'model' ? 'model' : 'decoder'} seeds`;
}

/** A group's name in a figure: "GRU (mean of 3 model seeds)". */
export function seedGroupLabel(label: string, count: number): string {
  return `${label} (mean of ${count} model seeds)`;
}
