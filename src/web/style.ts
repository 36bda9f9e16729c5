// The viewer page's stylesheet, served as /app/style.css (a TypeScript string so that it ships in dist/ with the
// code; no external fonts: system ones only). The accents are the palettes' own colours (page/color.ts).

import { NOT_CONVERGED_COLOR } from '../render/convergence-marks.js';
import { paletteAccent } from './page/color.js';

const PURPLE = paletteAccent('purple');
const GREEN = paletteAccent('green');

export const PAGE_CSS = `
:root {
  --ink: #18181b; --muted: #52525b; --faint: #a1a1aa; --line: #e4e4e7; --bg: #fafafa; --panel: #ffffff;
  --accent: ${PURPLE}; --focus: #f59e0b;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  font-size: 14px; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 24px; padding: 10px 20px;
  background: var(--panel); border-bottom: 1px solid var(--line); }
h1 { font-size: 18px; margin: 0; letter-spacing: 0.01em; }
h1 span { font-weight: 400; color: var(--muted); font-size: 14px; margin-left: 6px; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 18px; margin: 0; }
.controls .group { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; }
.controls .group[hidden] { display: none; }
fieldset { border: 0; padding: 0; margin: 0; display: flex; align-items: center; gap: 2px; }
legend { float: left; margin-right: 6px; color: var(--muted); }
label { color: var(--muted); }
select { font: inherit; color: var(--ink); padding: 3px 6px; border: 1px solid #d4d4d8; border-radius: 6px; background: #fff;
  max-width: 400px; }
select:disabled { color: var(--faint); }
.seg { display: inline-flex; border: 1px solid #d4d4d8; border-radius: 6px; overflow: hidden; }
.seg label { position: relative; padding: 3px 10px; color: var(--ink); cursor: pointer; user-select: none; }
.seg label + label { border-left: 1px solid #d4d4d8; }
.seg input { position: absolute; opacity: 0; inset: 0; margin: 0; cursor: pointer; }
.seg label:has(input:checked) { background: var(--accent); color: #fff; }
.seg label:has(input:focus-visible) { outline: 2px solid var(--focus); outline-offset: -2px; }
select:focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.swatch.purple { background: ${PURPLE}; } .swatch.green { background: ${GREEN}; }
.seg label:has(input:checked) .swatch { box-shadow: 0 0 0 1px #fff; }
body[data-palette=green] { --accent: ${GREEN}; }
main { padding: 8px 20px 24px; }
h2 { font-size: 15px; font-weight: 600; margin: 6px 0 2px; }
.help { margin: 0 0 8px; color: var(--muted); font-size: 12.5px; max-width: 1200px; line-height: 1.4; }
.message { padding: 12px 14px; border: 1px solid #fca5a5; background: #fef2f2; color: #7f1d1d; border-radius: 8px;
  max-width: 900px; margin: 10px 0; }
.figure { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 16px; background: var(--panel); border: 1px solid var(--line);
  border-radius: 10px; padding: 10px 12px 6px; }
.figure[hidden] { display: none; }
svg { display: block; overflow: visible; font-size: 12px; }
svg text { fill: var(--ink); }
#heatmap:focus { outline: none; }
#heatmap:focus-visible { outline: 2px solid var(--focus); outline-offset: 4px; border-radius: 4px; }
.axis text { fill: var(--muted); font-variant-numeric: tabular-nums; }
.axis text.symbol { fill: var(--ink); font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.axis-title { fill: var(--muted); font-style: italic; }
svg text.chart-title { fill: var(--muted); font-size: 12px; font-weight: 600; }
rect.cell, rect.forward-cell { stroke: #fff; stroke-width: 0.5; }
.focus-ring { fill: none; stroke: #111; stroke-width: 2; pointer-events: none; filter: drop-shadow(0 0 1px #fff) drop-shadow(0 0 1px #fff); }
.focus-ring.hidden { display: none; }
.legend text { fill: var(--muted); font-size: 11px; }
.legend-bar { stroke: #d4d4d8; stroke-width: 0.5; }
.legend .tick { stroke: var(--faint); }
.gridline { stroke: var(--line); }
.rowline { stroke: #f4f4f5; }
.series .line { fill: none; stroke-width: 1.5; }
.series.emphasis .line { stroke-width: 2.5; }
.series .interval { stroke-width: 6; stroke-opacity: 0.22; stroke-linecap: round; }
.reference { fill: none; stroke: #71717a; stroke-width: 1.5; stroke-dasharray: 4 3; }
.key { stroke-width: 1.5; } .key.emphasis { stroke-width: 2.5; }
#details { margin-top: 12px; }
.facts { margin: 4px 0; color: var(--muted); }
.facts strong { color: var(--ink); }
.side { display: inline-block; width: 18px; text-align: center; color: #fff; border-radius: 4px; margin-right: 6px; font-weight: 600; }
.side-a { background: #b2182b; } .side-b { background: #2166ac; }
table.deltas { border-collapse: collapse; font-size: 12.5px; font-variant-numeric: tabular-nums; margin-top: 6px; }
table.deltas caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
table.deltas td.front { font-weight: 600; }
#marginal .seed-band { fill-opacity: 0.2; stroke: none; }
#marginal .band-key { fill-opacity: 0.3; }
table.deltas th, table.deltas td { padding: 3px 12px 3px 0; text-align: right; border-bottom: 1px solid #f4f4f5; }
table.deltas thead th { color: var(--muted); font-weight: 500; border-bottom: 1px solid var(--line); }
#tooltip { position: fixed; z-index: 10; min-width: 220px; max-width: 320px; pointer-events: none; background: #fff;
  border: 1px solid #d4d4d8; border-radius: 8px; box-shadow: 0 6px 24px rgba(0,0,0,0.14); padding: 8px 10px; font-size: 12.5px; }
#tooltip[hidden] { display: none; }
.tip-head { display: flex; align-items: baseline; gap: 8px; margin-bottom: 4px; }
.tip-symbol { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 20px; font-weight: 700; }
.tip-where { color: var(--muted); }
#tooltip dl { display: grid; grid-template-columns: auto auto; gap: 1px 12px; margin: 0; }
#tooltip dt { color: var(--muted); }
#tooltip dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
.tip-bars { margin-top: 6px; border-top: 1px solid var(--line); padding-top: 4px; color: var(--muted); }
.bar-row { display: grid; grid-template-columns: 16px 1fr 48px; align-items: center; gap: 6px; color: var(--ink); }
.bar-symbol { font-family: ui-monospace, "DejaVu Sans Mono", monospace; text-align: center; }
.bar { height: 8px; background: #f4f4f5; border-radius: 4px; overflow: hidden; }
.bar .fill { display: block; height: 100%; background: var(--faint); }
.bar-row.correct .fill { background: var(--accent); }
.bar-share { text-align: right; font-variant-numeric: tabular-nums; }
.tip-note { margin: 6px 0 0; color: var(--muted); }
/* Decoders not converged (signature version 2): the figures' † and rings, and the learning curve. */
.row-mark, .row-note .row-mark { fill: ${NOT_CONVERGED_COLOR}; font-weight: 700; }
svg text.row-note { fill: var(--muted); font-size: 11px; }
.not-converged, #tooltip dd.not-converged { color: ${NOT_CONVERGED_COLOR}; }
.toggle { font: inherit; color: var(--ink); background: #fff; border: 1px solid #d4d4d8; border-radius: 6px; padding: 3px 10px;
  cursor: pointer; }
.toggle[aria-pressed=true] { background: var(--accent); border-color: var(--accent); color: #fff; }
.toggle:focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
.toggle[hidden] { display: none; }
#tooltip.with-curve { max-width: 340px; }
.curve { margin-top: 6px; border-top: 1px solid var(--line); padding-top: 4px; }
.curve-head { color: var(--muted); margin-bottom: 2px; }
.curve-chart { font-size: 10px; }
.curve-chart .curve-axis { fill: none; stroke: var(--faint); }
.curve-line { fill: none; stroke-width: 1.5; }
.curve-half .curve-line { stroke: var(--faint); stroke-dasharray: 3 2; }
.curve-half .curve-point { fill: #a1a1aa; }
.curve-full .curve-line { stroke: var(--accent); }
.curve-full .curve-point { fill: var(--accent); }
.curve-chance { stroke: #71717a; stroke-dasharray: 4 3; }
.curve-boundary { stroke: var(--faint); stroke-dasharray: 1 2; }
svg text.curve-note { fill: var(--muted); font-size: 10px; }
.curve-words { display: grid; grid-template-columns: auto 1fr; gap: 1px 10px; margin: 4px 0 0; }
#tooltip .curve-words dd { text-align: left; }
`;
