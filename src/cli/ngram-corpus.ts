// `--ngram ORDER`: instead of a model directory, an n-gram model estimated on the corpus's train partition (the
// default normalization), for `memsig eval` and `memsig signature` alike.

import { type PreparedCorpus, prepareCorpus, type Segmentation } from '../data/index.js';
import { type NgramModel, trainNgram } from '../models/ngram.js';

export interface NgramChoice {
  order: number;
  /** Drop n-grams of order ≥ 2 seen fewer than this many times (0: keep all). */
  prune: number;
}

/** Reads the corpus and estimates the n-gram on its train partition; `seconds` is the estimation's time. */
export async function ngramOfCorpus(
  source: string,
  segmentation: Segmentation,
  choice: NgramChoice,
): Promise<{ corpus: PreparedCorpus; model: NgramModel; seconds: number }> {
  const corpus = await prepareCorpus(source, { segmentation });
  const started = performance.now();
  const model = trainNgram(corpus.partitions.train, corpus.alphabet.size, choice);
  return { corpus, model, seconds: (performance.now() - started) / 1000 };
}
