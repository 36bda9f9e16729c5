// The lines `memsig experiment NAME --status` prints for an experiment's status (status.ts): pure.

import { formatDuration, formatPercent } from '../cli/format.js';
import type { ExperimentStatus, ModelStatus, SignatureStatus } from './status.js';

/** A run writes the experiment's time every 30 s: a file written more recently than this means one is going on. */
const RUNNING_WITHIN_SECONDS = 90;

export function experimentStatusLines(s: ExperimentStatus): string[] {
  const lines = [`${s.figure} (${s.dir}): ${headline(s)}`];
  if (s.corpus) {
    const n = s.corpus.utterances.toLocaleString('en-US');
    lines.push(`  corpus: ${s.corpus.finished ? `${n} utterances` : `synthesizing, ${n} utterances so far`}`);
  }
  for (const m of s.models) lines.push(`  model ${m.name}: ${modelText(m)}`);
  for (const sig of s.signatures) lines.push(`  signature ${sig.name}: ${signatureText(sig)}`);
  return lines;
}

function headline(s: ExperimentStatus): string {
  if (s.finishedSeconds !== null)
    return `finished in ${(s.finishedSeconds / 60).toFixed(1)} min (results.json${s.quick ? '; a --quick run' : ''})`;
  if (s.empty) return 'not started';
  const spent = s.secondsSpent === null ? '' : `, ${formatDuration(s.secondsSpent)} spent so far`;
  if (s.runner) return `running (pid ${s.runner.pid} on ${s.runner.host})${spent} (steps not begun yet are not listed)`;
  // A run of an older memsig holds no lock; its time file, written every 30 s, tells it.
  if (s.secondsSinceWritten !== null && s.secondsSinceWritten <= RUNNING_WITHIN_SECONDS)
    return `running${spent} (steps not begun yet are not listed)`;
  const since = s.secondsSinceWritten === null ? '' : `, last run ${formatDuration(s.secondsSinceWritten)} ago`;
  return `stopped${spent}${since}; run it again to go on (steps not begun yet are not listed)`;
}

function modelText(m: ModelStatus): string {
  const score = [
    m.evalPerplexity === undefined ? null : `eval perplexity ${m.evalPerplexity.toFixed(3)}`,
    m.evalCer === undefined ? null : `eval CER ${formatPercent(m.evalCer)}`,
  ].filter((x) => x !== null);
  const reused = m.reusedFrom ? `, copied from ${m.reusedFrom}` : '';
  if (m.state === 'training') return `training${m.step === undefined ? '' : `, checkpoint at step ${m.step}`}`;
  if (m.state === 'carried')
    return `carried record${score.length ? ` (${score.join(', ')})` : ''}: retrained only if a signature still needs it`;
  return `trained${score.length ? `, ${score.join(', ')}` : ''}${reused}`;
}

function signatureText(s: SignatureStatus): string {
  const recalls = s.layers.map((l) => `${l.label} ${formatPercent(l.meanRecall)}`).join(', ');
  const reused = s.reusedFrom ? `; copied from ${s.reusedFrom}` : '';
  if (s.finished) return `finished; mean recall over δ: ${recalls}${reused}`;
  const done = s.layers.length ? `finished so far: ${recalls}` : 'no layer finished yet';
  const training = s.layerInTraining === null ? '' : `; decoders of layer ${s.layerInTraining} training`;
  return `${done}${training}`;
}
