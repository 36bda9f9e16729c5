// The flags of `memsig signature --states FILE`: those of a language model's signature (settings, layers, state,
// resume, …) with the states file in place of --model and --corpus; flags that name a model or a text are refused
// in one line.

import { parsePath, UsageError } from './args.js';
import type { RawSignatureFlags } from './commands/signature.js';
import { parseSignatureFlags } from './commands/signature.js';
import { lasFlagsGiven, type RawLasFlags } from './las-signature-flags.js';
import type { SignatureRunOptions } from './signature-run.js';

export interface RawStatesFlags {
  states?: string;
  alphabetFile?: string;
}

/** Raw flags with --states → the run's options; the first flag that does not go with --states is a UsageError. */
export function parseStatesSignatureFlags(
  raw: RawSignatureFlags & RawLasFlags & RawStatesFlags,
  commandLine: string[],
): SignatureRunOptions {
  if (raw.states === undefined) throw new UsageError('missing --states');
  const states = parsePath('--states', raw.states);
  const conflicting: [boolean, string][] = [
    [raw.model !== undefined, '--model'],
    [raw.ngram !== undefined, '--ngram'],
    [raw.prune !== undefined, '--prune'],
    [raw.corpus !== undefined, '--corpus'],
    [raw.kernel !== undefined && raw.kernel !== 'full', '--kernel'],
    [raw.basis !== undefined, '--basis'],
    [raw.basisAlone === true, '--basis-alone'],
    [raw.randomWeights === true, '--random-weights'],
  ];
  const flag = conflicting.find(([given]) => given)?.[1] ?? lasFlagsGiven(raw)[0];
  if (flag !== undefined) {
    throw new UsageError(`${flag} does not go with --states (the states file holds the states and their text)`);
  }
  if (raw.segment !== undefined && raw.segment !== 'auto' && raw.segment !== 'none') {
    throw new UsageError(
      `--segment ${raw.segment}: with --states the file's own segments are used; --segment none splits its positions into contiguous blocks`,
    );
  }
  // Every other flag means what it means for a model: parsed as for one, the states file standing in for both.
  const opts = parseSignatureFlags({ ...raw, model: states, corpus: states }, commandLine);
  return {
    ...opts,
    model: null,
    corpus: states,
    states: {
      path: states,
      alphabetFile: raw.alphabetFile === undefined ? undefined : parsePath('--alphabet-file', raw.alphabetFile),
    },
  };
}
