// How the viewer writes numbers and symbols, pure: one place, so the page, its tooltip and the tests agree.

/** The symbol as shown: space is '␣' (an empty label would be invisible). */
export function displaySymbol(symbol: string): string {
  // As the figures draw them (render/svg.ts): the invisible symbols of a stream alphabet get a glyph.
  if (symbol === ' ') return '␣';
  if (symbol === '\t') return '⇥';
  if (symbol === '\n') return '↵';
  return symbol;
}

/** 0.78125 → "78.1%"; null → "—". */
export function formatPercent(value: number | null, digits = 1): string {
  return value === null ? '—' : `${(value * 100).toFixed(digits)}%`;
}

/** 3.1 → "3.10 bits"; null → "—". */
export function formatBits(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(2)} bits`;
}

/** A recall difference as signed percentage points: 0.081 → "+8.1 pp". */
export function formatPoints(value: number | null): string {
  if (value === null) return '—';
  const points = value * 100;
  const text = Math.abs(points).toFixed(1);
  if (text === '0.0') return '0.0 pp';
  return `${points > 0 ? '+' : '−'}${text} pp`;
}

/** 12345 → "12,345" (the same in every locale, so tests can read it). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A p-value as people read it: "< 1e-6" below 1e-6, else three significant digits. */
export function formatPValue(p: number): string {
  if (p < 1e-6) return '< 1e-6';
  return p < 0.001 ? p.toExponential(1) : p.toPrecision(3);
}
