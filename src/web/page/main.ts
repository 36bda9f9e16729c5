// The viewer page's entry: loads the signatures the server lists in #manifest, then draws the figure for the
// current choices and follows the mouse and the keyboard over the heatmap.

import type { Signature } from '../../analysis/signature-types.js';
import { Controls } from './controls.js';
import { renderDiffDetails, renderSignatureDetails } from './details.js';
import { byId } from './dom.js';
import { drawHeatmap, type HeatmapView } from './heatmap.js';
import { heatmapLayout } from './layout.js';
import { drawMarginal, MARGINAL_WIDTH } from './marginal.js';
import { type FigureSpec, figureFor } from './specs.js';
import { hasCurves, initialState, type Loaded, type ViewState } from './state.js';
import { Tooltip } from './tooltip.js';

interface ManifestEntry {
  file: string;
  url: string;
}

interface Drawn {
  figure: FigureSpec;
  view: HeatmapView;
}

const heatmapSvg = byId<SVGSVGElement>('heatmap');
const marginalSvg = byId<SVGSVGElement>('marginal');
const tooltip = new Tooltip('tooltip');
let loaded: Loaded[] = [];
let state: ViewState;
let controls: Controls;
let drawn: Drawn | null = null;

async function load(): Promise<Loaded[]> {
  const manifest = JSON.parse(byId('manifest').textContent ?? '[]') as ManifestEntry[];
  return Promise.all(
    manifest.map(async (entry) => {
      const response = await fetch(entry.url);
      if (!response.ok) throw new Error(`${entry.file}: the server answered ${response.status}`);
      return { file: entry.file, sig: (await response.json()) as Signature };
    }),
  );
}

function showMessage(text: string | null): void {
  const el = byId('message');
  el.textContent = text ?? '';
  el.hidden = text === null;
}

function render(): void {
  controls.sync(state);
  document.body.dataset.palette = state.palette;
  const result = figureFor(state, loaded);
  const figureEl = byId('figure');
  renderDetails();
  if (!result.ok) {
    byId('figure-title').textContent = result.title;
    byId('help').textContent = '';
    showMessage(result.message);
    figureEl.hidden = true;
    tooltip.hide();
    drawn = null;
    return;
  }
  showMessage(null);
  figureEl.hidden = false;
  const { figure } = result;
  byId('figure-title').textContent = figure.title;
  byId('help').textContent = `${figure.help} Hover a cell, or focus the map (Tab) and move with the arrow keys.`;
  const grid = figure.heatmap.grid;
  const available = figureEl.clientWidth - MARGINAL_WIDTH - 32;
  const layout = heatmapLayout(
    grid.symbols.length,
    grid.deltas.length,
    figure.heatmap.forward !== null,
    available,
    Boolean(figure.heatmap.rowNote),
  );
  const view = drawHeatmap(heatmapSvg, figure.heatmap, layout);
  drawMarginal(marginalSvg, figure.marginal, layout);
  drawn = { figure, view };
  if (state.focus && document.activeElement === heatmapSvg) showCell(state.focus.row, state.focus.col);
  else hideCell();
}

function renderDetails(): void {
  if (state.mode === 'diff') {
    renderDiffDetails(byId('details'), loaded[state.a.sig]!, loaded[state.b.sig]!);
  } else {
    const entry = loaded[state.sig]!;
    renderSignatureDetails(byId('details'), entry.sig, entry.file, state.layer);
  }
}

// ---- The active cell: the hovered one, or the keyboard's ----

function cellAt(row: number, col: number): SVGRectElement | null {
  if (!drawn) return null;
  const { cells, forward } = drawn.view;
  return row < cells.length ? (cells[row]?.[col] ?? null) : (forward[col] ?? null);
}

function showCell(row: number, col: number): void {
  const rect = cellAt(row, col);
  if (!drawn || !rect) {
    hideCell();
    return;
  }
  const ring = drawn.view.focusRing;
  for (const attr of ['x', 'y', 'width', 'height']) ring.setAttribute(attr, rect.getAttribute(attr) ?? '0');
  ring.classList.remove('hidden');
  heatmapSvg.setAttribute('aria-activedescendant', rect.id);
  const content = drawn.figure.describe(row, col);
  if (content) tooltip.show(content, rect.getBoundingClientRect());
  else tooltip.hide();
}

function hideCell(): void {
  drawn?.view.focusRing.classList.add('hidden');
  heatmapSvg.removeAttribute('aria-activedescendant');
  tooltip.hide();
}

function rowCount(): number {
  if (!drawn) return 0;
  return drawn.view.cells.length + (drawn.view.forward.length > 0 ? 1 : 0);
}

function colCount(): number {
  return drawn?.view.cells[0]?.length ?? 0;
}

function moveFocus(key: string): boolean {
  const rows = rowCount();
  const cols = colCount();
  if (rows === 0 || cols === 0) return false;
  let { row, col } = state.focus ?? { row: 0, col: 0 };
  switch (key) {
    case 'ArrowLeft':
      col -= 1;
      break;
    case 'ArrowRight':
      col += 1;
      break;
    case 'ArrowUp':
      row -= 1;
      break;
    case 'ArrowDown':
      row += 1;
      break;
    case 'Home':
      col = 0;
      break;
    case 'End':
      col = cols - 1;
      break;
    case 'PageUp':
      row = 0;
      break;
    case 'PageDown':
      row = rows - 1;
      break;
    default:
      return false;
  }
  state.focus = { row: Math.max(0, Math.min(rows - 1, row)), col: Math.max(0, Math.min(cols - 1, col)) };
  showCell(state.focus.row, state.focus.col);
  return true;
}

function cellOf(target: EventTarget | null): { row: number; col: number } | null {
  const el = target instanceof Element ? target.closest('[data-row]') : null;
  if (!el) return null;
  return { row: Number(el.getAttribute('data-row')), col: Number(el.getAttribute('data-col')) };
}

function bindHeatmap(): void {
  heatmapSvg.addEventListener('mousemove', (e) => {
    const cell = cellOf(e.target);
    if (cell) showCell(cell.row, cell.col);
  });
  heatmapSvg.addEventListener('mouseleave', () => {
    if (state.focus && document.activeElement === heatmapSvg) showCell(state.focus.row, state.focus.col);
    else hideCell();
  });
  heatmapSvg.addEventListener('click', (e) => {
    const cell = cellOf(e.target);
    if (!cell) return;
    state.focus = cell;
    heatmapSvg.focus();
    showCell(cell.row, cell.col);
  });
  heatmapSvg.addEventListener('focus', () => {
    state.focus ??= { row: 0, col: 0 };
    if (state.focus.row >= rowCount()) state.focus = { row: 0, col: 0 };
    showCell(state.focus.row, state.focus.col);
  });
  heatmapSvg.addEventListener('blur', hideCell);
  heatmapSvg.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      hideCell();
      return;
    }
    if ((e.key === 'l' || e.key === 'L') && !e.altKey && !e.ctrlKey && !e.metaKey) {
      toggleCurve();
      return;
    }
    if (!e.altKey && !e.ctrlKey && !e.metaKey && moveFocus(e.key)) e.preventDefault();
  });
}

// The learning curve is offered only where the signature has one (version 2); render() shows the focused cell's.
function toggleCurve(): void {
  if (state.mode !== 'signature' || !hasCurves(loaded[state.sig]!)) return;
  state = { ...state, curve: !state.curve };
  render();
}

async function start(): Promise<void> {
  try {
    loaded = await load();
  } catch (err) {
    showMessage(`Could not load the signatures: ${(err as Error).message}`);
    return;
  }
  if (loaded.length === 0) {
    showMessage('No signature to show.');
    return;
  }
  state = initialState(loaded);
  controls = new Controls(loaded, (next) => {
    state = next(state);
    render();
  });
  bindHeatmap();
  // A click on the toggle takes the focus from the map: give it back, so the clicked cell's panel shows its curve.
  byId('curve-toggle').addEventListener('click', () => {
    if (state.focus) heatmapSvg.focus();
  });
  let pending = false;
  window.addEventListener('resize', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  });
  render();
  document.body.dataset.ready = 'true';
}

void start();
