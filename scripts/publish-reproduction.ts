// Hand-run: copies finished experiments' numbers, figures and signatures (not the models) from an experiments
// folder into docs/reproduction/, and writes docs/reproduction.md from them.
//   node dist/scripts/publish-reproduction.js runs/experiments
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replacesEarlierRun } from '../src/experiments/earlier-run.js';
import { renderReproductionReport } from '../src/experiments/report.js';
import type { ExperimentRecord } from '../src/experiments/runner.js';

const readRecord = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ExperimentRecord;

const from = process.argv[2] ?? 'runs/experiments';
const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
const to = join(docs, 'reproduction');
for (const figure of ['fig1', 'fig2', 'fig3', 'fig4', 'fig5', 'fig6', 'fig7']) {
  const src = join(from, figure);
  if (!existsSync(join(src, 'results.json'))) continue;
  const dst = join(to, figure);
  mkdirSync(join(dst, 'signatures'), { recursive: true });
  // Results made with other inputs (decoders, corpus) stay as the earlier run, so the report can say what changed.
  const published = join(dst, 'results.json');
  if (existsSync(published) && replacesEarlierRun(readRecord(published), readRecord(join(src, 'results.json')))) {
    renameSync(published, join(dst, 'earlier-results.json'));
    console.log(`${figure}: the published results kept as earlier-results.json`);
  }
  for (const f of readdirSync(src))
    if (f.endsWith('.svg') || f === 'results.json') copyFileSync(join(src, f), join(dst, f));
  // The finished signatures only: not their recipes or partial files (bookkeeping of the runs).
  for (const f of readdirSync(join(src, 'signatures')))
    if (f.endsWith('.json') && !f.endsWith('.partial.json'))
      copyFileSync(join(src, 'signatures', f), join(dst, 'signatures', f));
  console.log(`published ${figure}`);
}
writeFileSync(join(docs, 'reproduction.md'), renderReproductionReport(to, 'reproduction'));
console.log(`wrote ${join(docs, 'reproduction.md')}`);
