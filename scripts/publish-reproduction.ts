// Hand-run: copies finished experiments' numbers, figures and signatures (not the models) from an experiments
// folder into docs/reproduction/, and writes docs/reproduction.md from them.
//   node dist/scripts/publish-reproduction.js runs/experiments
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Signature } from '../src/analysis/signature-types.js';
import { drawFigures } from '../src/experiments/draw.js';
import {
  replacesEarlierRun,
  type SignatureDecoderSettings,
  withPanelMarginals,
  withSignatureDecoderSettings,
} from '../src/experiments/earlier-run.js';
import { renderReproductionReport } from '../src/experiments/report.js';
import type { ExperimentRecord } from '../src/experiments/runner.js';

const readRecord = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ExperimentRecord;
const writeRecord = (path: string, record: ExperimentRecord) =>
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
/** A panel's signature in an experiment's folder, or null where it is missing. */
const signatureIn = (dir: string) => (file: string) =>
  existsSync(join(dir, file)) ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as Signature) : null;

/** The decoder settings of the first finished signature in a published figure's folder (none: nothing known). */
function publishedDecoderSettings(dir: string): SignatureDecoderSettings {
  const file = readdirSync(dir).find((f) => f.endsWith('.json') && !f.endsWith('.partial.json'));
  if (!file) return {};
  const { settings } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { settings?: SignatureDecoderSettings };
  return { batch: settings?.batch, whiten: settings?.whiten, lr: settings?.lr, maxEpochs: settings?.maxEpochs };
}

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
  // Each panel's recall, read from its signatures, for the figures whose numbers do not keep it (Figure 4).
  const next = withPanelMarginals(readRecord(join(src, 'results.json')), signatureIn(src));
  if (existsSync(published) && replacesEarlierRun(readRecord(published), next)) {
    // Its signatures, about to be replaced, say what its decoders were trained with where the record does not, and
    // how each panel recalled.
    const earlier = withPanelMarginals(
      withSignatureDecoderSettings(readRecord(published), publishedDecoderSettings(join(dst, 'signatures'))),
      signatureIn(dst),
    );
    writeRecord(join(dst, 'earlier-results.json'), earlier);
    rmSync(published);
    console.log(`${figure}: the published results kept as earlier-results.json`);
  }
  writeRecord(published, next);
  for (const f of readdirSync(src)) if (f.endsWith('.svg')) copyFileSync(join(src, f), join(dst, f));
  // The finished signatures only: not their recipes or partial files (bookkeeping of the runs).
  for (const f of readdirSync(join(src, 'signatures')))
    if (f.endsWith('.json') && !f.endsWith('.partial.json'))
      copyFileSync(join(src, 'signatures', f), join(dst, 'signatures', f));
  console.log(`published ${figure}`);
}
// Published results written before experiments recorded their decoders' minibatch and input (and those of the first
// defaults' learning rate) say them as their own signatures do, so that the report does not describe them by a guess.
for (const figure of readdirSync(to)) {
  const published = join(to, figure, 'results.json');
  if (!existsSync(published) || !existsSync(join(to, figure, 'signatures'))) continue;
  const record = readRecord(published);
  const completed = withSignatureDecoderSettings(record, publishedDecoderSettings(join(to, figure, 'signatures')));
  if (JSON.stringify(completed) !== JSON.stringify(record)) {
    writeRecord(published, completed);
    console.log(`${figure}: its decoders' settings completed from its signatures`);
  }
}
// Every published figure drawn again from its published signatures, so that the figures are today's drawings of
// what the folder holds (a figure added since a figure's run, such as the seeds' one, appears with it).
for (const figure of readdirSync(to)) {
  const dir = join(to, figure);
  const published = join(dir, 'results.json');
  if (!existsSync(published)) continue;
  const record = readRecord(published);
  if (!record.panels.every((p) => existsSync(join(dir, p.signature)))) continue;
  const figures = await drawFigures({ dir }, record);
  const before = (record.numbers as { figures?: string[] }).figures ?? [];
  if (JSON.stringify(figures) !== JSON.stringify(before)) {
    writeRecord(published, { ...record, numbers: { ...record.numbers, figures } });
    console.log(`${figure}: figures ${figures.filter((f) => !before.includes(f)).join(', ') || 'redrawn'}`);
  }
}
writeFileSync(join(docs, 'reproduction.md'), renderReproductionReport(to, 'reproduction'));
console.log(`wrote ${join(docs, 'reproduction.md')}`);
