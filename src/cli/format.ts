// Small formatting helpers for terminal output.

/** 7s, 1m05s, 2h03m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** 950, 19.7k, 1.2M. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '?';
  if (n < 1000) return n.toFixed(0);
  if (n < 1e6) return `${(n / 1000).toFixed(n < 1e4 ? 2 : 1)}k`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)}M`;
}

/** A number with four significant digits at most, as people read metrics: 4.562, 12.31, 0.8654. */
export function formatMetric(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return Number(x.toPrecision(4)).toString();
}

export function formatPercent(x: number | null): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`;
}

/** Arguments as one line a POSIX shell reads back as the same arguments. */
export function shellQuote(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** How a symbol is shown in a table: the character, or a name for the invisible ones. */
export function showSymbol(symbol: string): string {
  if (symbol === ' ') return 'space';
  if (symbol === '\t') return 'tab';
  if (symbol === '\n') return 'newline';
  return symbol;
}
