// The corpora of the experiments: Shakespeare (the complete works) and the State of the Union addresses, the
// public-domain stand-in for the paper's licensed WSJ corpus. Both normalize to the same default alphabet, so a
// model trained on one reads the other (domain adaptation).

import { type PreparedCorpus, prepareCorpus } from '../data/corpus.js';

export interface CorpusSpec {
  name: 'shakespeare' | 'sotu';
  /** Keep only the last N characters (recorded in the corpus record), or null for all. */
  maxChars: number | null;
}

export async function loadCorpus(spec: CorpusSpec, shakespearePath: string): Promise<PreparedCorpus> {
  if (spec.name === 'shakespeare') return prepareCorpus(shakespearePath, { maxChars: spec.maxChars });
  // One address per line in the package's files: sentences are the natural segments.
  return prepareCorpus('sotu', { segmentation: 'sentence', maxChars: spec.maxChars });
}
