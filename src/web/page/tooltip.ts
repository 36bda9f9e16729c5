// The tooltip (#tooltip, role="tooltip"): shows a TipContent beside a cell, kept inside the window.

import { drawCurveChart } from './curve-chart.js';
import type { TipContent } from './describe.js';
import { byId, clear, htmlEl } from './dom.js';
import { displaySymbol } from './format.js';

export class Tooltip {
  readonly el: HTMLElement;

  constructor(id = 'tooltip') {
    this.el = byId(id);
  }

  show(content: TipContent, anchor: DOMRect): void {
    const { el } = this;
    clear(el);
    el.append(
      htmlEl(
        'div',
        { class: 'tip-head' },
        htmlEl('span', { class: 'tip-symbol', 'data-field': 'symbol' }, content.symbol),
        htmlEl('span', { class: 'tip-where', 'data-field': 'where' }, content.where),
      ),
    );
    const list = htmlEl('dl');
    for (const row of content.rows) {
      list.append(htmlEl('dt', {}, row.label), htmlEl('dd', { 'data-field': row.field }, row.value));
    }
    el.append(list);
    if (content.bars) {
      const bars = htmlEl(
        'div',
        { class: 'tip-bars', 'data-field': 'confusion' },
        htmlEl('div', {}, content.bars.heading),
      );
      for (const item of content.bars.items) {
        const fill = htmlEl('span', { class: 'fill' });
        fill.style.width = `${Math.max(1, item.share * 100).toFixed(1)}%`;
        bars.append(
          htmlEl(
            'div',
            { class: item.correct ? 'bar-row correct' : 'bar-row', 'data-symbol': item.symbol },
            htmlEl('span', { class: 'bar-symbol' }, displaySymbol(item.symbol)),
            htmlEl('span', { class: 'bar' }, fill),
            htmlEl('span', { class: 'bar-share' }, `${(item.share * 100).toFixed(1)}%`),
          ),
        );
      }
      el.append(bars);
    }
    if (content.note) el.append(htmlEl('p', { class: 'tip-note' }, content.note));
    el.classList.toggle('with-curve', Boolean(content.curve));
    if (content.curve) el.append(drawCurveChart(content.curve));
    el.hidden = false;
    this.place(anchor);
  }

  hide(): void {
    this.el.hidden = true;
  }

  // Right of the cell if it fits, else left of it; vertically beside it, inside the window.
  private place(anchor: DOMRect): void {
    const { el } = this;
    const gap = 10;
    const w = el.offsetWidth;
    const h = el.offsetHeight;
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    let x = anchor.right + gap;
    if (x + w > vw - 4) x = anchor.left - gap - w;
    x = Math.max(4, Math.min(x, vw - w - 4));
    let y = anchor.top + anchor.height / 2 - h / 2;
    y = Math.max(4, Math.min(y, vh - h - 4));
    el.style.left = `${Math.round(x)}px`;
    el.style.top = `${Math.round(y)}px`;
  }
}
