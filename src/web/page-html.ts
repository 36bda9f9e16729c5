// The viewer's HTML page: the controls, empty figures the script draws into, the tooltip, and the list of
// signatures (#manifest) the script loads from /signatures/N.json.

import { PAGE_SCRIPT } from './assets.js';

export interface ManifestEntry {
  /** The file's base name, shown in the picker. */
  file: string;
  url: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// JSON inside <script>: "<" written as \u003c, so no file name can close the element.
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function segmented(name: string, legend: string, options: [string, string][]): string {
  const inputs = options
    .map(
      ([value, text], i) =>
        `<label><input type="radio" name="${name}" value="${value}"${i === 0 ? ' checked' : ''}>${text}</label>`,
    )
    .join('');
  return `<fieldset id="${name}-group"><legend>${legend}</legend><span class="seg">${inputs}</span></fieldset>`;
}

export function renderPageHtml(manifest: readonly ManifestEntry[], title = 'memsig view'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app/style.css">
<script type="module" src="${PAGE_SCRIPT}"></script>
</head>
<body>
<header>
<h1>memsig<span>memory signatures</span></h1>
<form id="controls" class="controls" autocomplete="off">
${segmented('mode', 'View', [
  ['signature', 'Signature'],
  ['diff', 'Difference'],
])}
<div class="group" id="signature-controls">
<label>Signature <select id="sig-select"></select></label>
<label>Layer <select id="layer-select"></select></label>
${segmented('metric', 'Metric', [
  ['accuracy', 'Accuracy'],
  ['bits', 'Bits'],
  ['excess', 'Excess'],
])}
${segmented('palette', 'Palette', [
  ['purple', '<span class="swatch purple"></span>Purple'],
  ['green', '<span class="swatch green"></span>Green'],
])}
<button type="button" id="curve-toggle" class="toggle" aria-pressed="false" hidden
 title="Show each decoder’s learning curve in the cell panel (key L)">Learning curve</button>
</div>
<div class="group" id="diff-controls" hidden>
<label><span class="side side-a">A</span><select id="diff-a-sig" aria-label="A: signature"></select></label>
<select id="diff-a-layer" aria-label="A: layer"></select>
<label><span class="side side-b">B</span><select id="diff-b-sig" aria-label="B: signature"></select></label>
<select id="diff-b-layer" aria-label="B: layer"></select>
</div>
</form>
</header>
<main>
<h2 id="figure-title">Loading…</h2>
<p id="help" class="help"></p>
<div id="message" class="message" role="alert" hidden></div>
<div id="figure" class="figure">
<svg id="heatmap" role="grid" tabindex="0" aria-describedby="tooltip" aria-label="Memory signature heatmap"></svg>
<svg id="marginal" role="img" aria-label="Marginal chart"></svg>
</div>
<section id="details" aria-label="Details"></section>
</main>
<div id="tooltip" role="tooltip" hidden></div>
<script type="application/json" id="manifest">${scriptJson(manifest)}</script>
</body>
</html>
`;
}
