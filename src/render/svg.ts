// Small helpers for writing SVG text by hand: escaping, number formatting that is the same on every machine, text
// elements, and the document wrapper. Everything returns strings; nothing here touches the DOM or the file system.

/** Fonts of the figures: the platform's UI font, then common sans-serif fonts (DejaVu/Liberation on Linux). */
export const FONT_STACK =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif";

export const TEXT_COLOR = '#222222';
export const MUTED_COLOR = '#666666';
export const GRID_COLOR = '#e3e3e3';
export const AXIS_COLOR = '#888888';

/** Font sizes in px: fit for a paper figure at 3× (≈ 300 dpi) and for a laptop screen at 1×. */
export const FONT = { title: 13, subtitle: 10.5, label: 11, tick: 10, cell: 9.5 } as const;

/** Escapes text for XML content and attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A coordinate: at most two decimals, no trailing zeros, no "-0" (deterministic across platforms). */
export function num(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** How a symbol is drawn: '␣' for space, '⇥' for tab, '↵' for newline, else the symbol itself. */
export function displaySymbol(symbol: string): string {
  if (symbol === ' ') return '␣';
  if (symbol === '\t') return '⇥';
  if (symbol === '\n') return '↵';
  return symbol;
}

/** How a symbol is named in tooltips and tables: 'space' etc., else the symbol in quotes. */
export function nameSymbol(symbol: string): string {
  if (symbol === ' ') return 'space (␣)';
  if (symbol === '\t') return 'tab';
  if (symbol === '\n') return 'newline';
  return `'${symbol}'`;
}

/** 1234567 → "1,234,567" (no locale: the same on every machine). */
export function groupDigits(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 0.1234 → "12.3%". */
export function percent(x: number | null, digits = 1): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(digits)}%`;
}

/** A number of bits: "2.91". */
export function bitsText(x: number | null, digits = 2): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
}

/** A p-value as people read it: "0.031", "2.1e-12", "< 1e-300" for one that underflowed to 0. */
export function pValueText(p: number): string {
  if (!Number.isFinite(p)) return 'n/a';
  if (p === 0) return '< 1e-300';
  if (p >= 0.001) return p.toPrecision(2).replace(/\.?0+$/, '') || '0';
  const [mantissa, exponent] = p.toExponential(1).split('e');
  return `${mantissa}e${exponent}`;
}

/** "p = 0.031", "p = 2.1e-12", "p < 1e-300": a p-value in a sentence. */
export function pValueClause(p: number): string {
  const text = pValueText(p);
  return text.startsWith('<') ? `p ${text}` : `p = ${text}`;
}

/** A rough text width for layout (no font metrics here): average glyph ≈ 0.6 em for sans-serif. */
export function textWidth(text: string, size: number): number {
  return [...text].length * size * 0.6;
}

export interface TextOptions {
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
  fill?: string;
  /** Rotation in degrees about (x, y). */
  rotate?: number;
  /** Extra attributes, already escaped values. */
  attrs?: string;
  italic?: boolean;
}

/** A <text> element; `y` is the baseline. */
export function textEl(x: number, y: number, content: string, o: TextOptions = {}): string {
  const parts = [`x="${num(x)}"`, `y="${num(y)}"`];
  if (o.size !== undefined) parts.push(`font-size="${num(o.size)}"`);
  if (o.anchor && o.anchor !== 'start') parts.push(`text-anchor="${o.anchor}"`);
  if (o.weight === 'bold') parts.push('font-weight="bold"');
  if (o.italic) parts.push('font-style="italic"');
  if (o.fill && o.fill !== TEXT_COLOR) parts.push(`fill="${o.fill}"`);
  if (o.rotate) parts.push(`transform="rotate(${num(o.rotate)} ${num(x)} ${num(y)})"`);
  if (o.attrs) parts.push(o.attrs);
  return `<text ${parts.join(' ')}>${esc(content)}</text>`;
}

/** The baseline that centres text of `size` vertically on `y` (no dominant-baseline: not every renderer has it). */
export function middleBaseline(y: number, size: number): number {
  return y + size * 0.35;
}

export interface DocumentOptions {
  /** Accessible title of the whole figure. */
  title: string;
  /** true: a standalone .svg file (XML declaration, namespace); false: for inlining in HTML (no URL at all). */
  standalone?: boolean;
}

/** The <svg> root around `body`, with a white background (PNGs and dark viewers show the figure as printed). */
export function svgDocument(width: number, height: number, body: string[], o: DocumentOptions): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  const ns = o.standalone === false ? '' : ' xmlns="http://www.w3.org/2000/svg"';
  const head = o.standalone === false ? '' : '<?xml version="1.0" encoding="UTF-8"?>\n';
  return (
    `${head}<svg${ns} width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" ` +
    `font-family="${esc(FONT_STACK)}" fill="${TEXT_COLOR}">\n` +
    `<title>${esc(o.title)}</title>\n` +
    `<rect class="background" x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>\n` +
    `${body.join('\n')}\n</svg>\n`
  );
}

/** Attributes `data-name="value"` from a record, in the record's key order. */
export function dataAttrs(data: Record<string, string | number>): string {
  return Object.entries(data)
    .map(([k, v]) => `data-${k}="${esc(String(v))}"`)
    .join(' ');
}
