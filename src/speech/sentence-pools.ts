// The sentences a synthesized corpus may speak, per split: the corpus's own sentence segments and train/dev/eval split
// (as `memsig train` prepares them), kept to a speakable length, without the digit symbol, and made disjoint so that
// no dev or eval sentence is ever spoken in train.

import { prepareCorpus, segmentCount, segmentIds } from '../data/corpus.js';
import type { Split } from './manifest.js';

export type SentencePools = Record<Split, string[]>;

export interface SentenceFilter {
  minChars: number;
  maxChars: number;
  /**
   * Sentences holding this symbol are left out: normalization turned every digit into it, and a synthesizer would
   * read "1861" as "eighteen sixty-one" where the transcript says "####". Null keeps them.
   */
  digitSymbol: string | null;
}

/**
 * Filters and dedupes the split's sentences: each pool keeps the first occurrence of each sentence of the right length;
 * a sentence also in eval is dropped from dev and train, one also in dev is dropped from train.
 */
export function selectSentences(parts: Readonly<SentencePools>, filter: SentenceFilter): SentencePools {
  const keep = (s: string) =>
    s.length >= filter.minChars &&
    s.length <= filter.maxChars &&
    (filter.digitSymbol === null || !s.includes(filter.digitSymbol));
  const taken = new Set<string>();
  const pick = (sentences: readonly string[]): string[] => {
    const out: string[] = [];
    for (const s of sentences) {
      if (!keep(s) || taken.has(s)) continue;
      taken.add(s);
      out.push(s);
    }
    return out;
  };
  // Held-out text first, so that it wins every clash.
  const evalPool = pick(parts.eval);
  const devPool = pick(parts.dev);
  const trainPool = pick(parts.train);
  return { train: trainPool, dev: devPool, eval: evalPool };
}

/**
 * The sentence pools of corpus `source` ('sotu', a file or a folder), with the default normalization and split that
 * `memsig train --corpus SOURCE --segment sentence` uses.
 */
export async function loadSentencePools(
  source: string,
  filter: Omit<SentenceFilter, 'digitSymbol'>,
): Promise<{ pools: SentencePools; alphabet: string[]; digitSymbol: string | null }> {
  const corpus = await prepareCorpus(source, { segmentation: 'sentence' });
  const decode = (split: Split): string[] => {
    const p = corpus.partitions[split];
    const out: string[] = [];
    for (let i = 0; i < segmentCount(p); i++) out.push(corpus.alphabet.decode(segmentIds(p, i)));
    return out;
  };
  const digitSymbol = corpus.normalization.digitSymbol;
  const pools = selectSentences(
    { train: decode('train'), dev: decode('dev'), eval: decode('eval') },
    { ...filter, digitSymbol },
  );
  return { pools, alphabet: [...corpus.alphabet.symbols], digitSymbol };
}
