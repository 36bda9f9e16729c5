// `memsig report`: one self-contained HTML file (no network requests) with each signature's run metadata, summary
// table and figures, and with two or more signatures their comparison and differences.

import type { Command } from 'commander';
import { writeFileAtomic } from '../../io/atomic.js';
import { renderReportHtml } from '../../render/report-html.js';
import { parseChoice, UsageError } from '../args.js';
import { writeLine } from '../io.js';
import { generatorName } from '../version.js';
import type { CommandContext } from './common.js';
import { PALETTES, readSignatures, renderFor, requireOut, resolveLabels } from './render.js';

interface RawReportFlags {
  out?: string;
  labels?: string;
  title?: string;
  palette?: string;
}

export function registerReport(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .summary('write an HTML report of one or more signatures')
    .description(
      'Write one self-contained HTML file (styles and figures inline; it loads nothing from anywhere): per signature ' +
        'the run, a δ × layer summary table and every figure; with two or more, their comparison and differences.',
    )
    .argument('<signatures...>', 'signature files')
    .option('--out <file>', '(required) FILE.html')
    .option('--labels <names>', "names separated by commas, one per file (default the models' labels)")
    .option('--title <text>', 'the page title', 'Memory signature report')
    .option('--palette <p>', 'purple or green', 'purple')
    .action(async (paths: string[], raw: RawReportFlags) => {
      const out = requireOut(raw.out, 'FILE.html');
      if (!/\.html?$/i.test(out)) throw new UsageError(`--out must end in .html (got ${JSON.stringify(out)})`);
      const palette = parseChoice('--palette', raw.palette ?? 'purple', PALETTES);
      const sigs = await readSignatures(paths);
      const labels = resolveLabels(raw.labels, sigs, paths);
      const html = renderFor(paths.join(', '), () =>
        renderReportHtml(
          sigs.map((sig, i) => ({ sig, label: labels[i]! })),
          { title: raw.title, generator: generatorName(), palette },
        ),
      );
      await writeFileAtomic(out, html);
      writeLine(ctx.io.stdout, `wrote ${out} (${sigs.length} signature${sigs.length === 1 ? '' : 's'})`);
    });
}
