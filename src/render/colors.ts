// Colour scales of the figures. Each scale is a list of evenly spaced stops interpolated linearly in sRGB, so a value's
// colour is exact and documented (docs/figures.md): e.g. purple at 0.5 is stop 4 of 8, #9e9ac8.

export type Palette = 'purple' | 'green';

/**
 * The paper's scale (Figures 1, 6, 7): white at 0% recall to dark purple at 100%. ColorBrewer "Purples" (9 classes)
 * with its first stop made pure white.
 */
export const PURPLE_STOPS = [
  '#ffffff',
  '#efedf5',
  '#dadaeb',
  '#bcbddc',
  '#9e9ac8',
  '#807dba',
  '#6a51a3',
  '#54278f',
  '#3f007d',
] as const;

/**
 * The paper's other scale (Figure 4: "lighter green represents higher accuracy"): dark green at 0% to pale
 * yellow-green at 100%. ColorBrewer "YlGn" reversed, without its palest stop (so 100% still stands off the page).
 */
export const GREEN_STOPS = [
  '#004529',
  '#006837',
  '#238443',
  '#41ab5d',
  '#78c679',
  '#addd8e',
  '#d9f0a3',
  '#f7fcb9',
] as const;

/**
 * Differences (Figure 5), from −1 to +1: blue (the second model recalls better) through white (equal) to red (the
 * first recalls better). ColorBrewer "RdBu" (11 classes) with its centre made pure white.
 */
export const DIVERGING_STOPS = [
  '#053061',
  '#2166ac',
  '#4393c3',
  '#92c5de',
  '#d1e5f0',
  '#ffffff',
  '#fddbc7',
  '#f4a582',
  '#d6604d',
  '#b2182b',
  '#67001f',
] as const;

/** Cells with no data (no eval position had that symbol): light grey, hatched. */
export const NO_DATA_FILL = '#e4e4e4';
export const NO_DATA_HATCH = '#a0a0a0';

/** Lines of different models or layers (Okabe–Ito, readable with colour-vision deficiencies; no yellow). */
export const SERIES_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'] as const;

export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length]!;
}

/** Once the colours are used up they repeat: later rounds are told apart by their dashes ('' = solid). */
const SERIES_DASHES = ['', '7 3', '2 2'] as const;

export function seriesDash(i: number): string {
  return SERIES_DASHES[Math.floor(i / SERIES_COLORS.length) % SERIES_DASHES.length]!;
}

export function paletteStops(palette: Palette): readonly string[] {
  return palette === 'green' ? GREEN_STOPS : PURPLE_STOPS;
}

type Rgb = [number, number, number];

export function parseHex(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** The colour at t ∈ [0, 1] (clamped) of evenly spaced `stops`, linear in sRGB between neighbours. */
export function interpolateStops(stops: readonly string[], t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = parseHex(stops[i]!);
  const b = parseHex(stops[i + 1]!);
  return toHex([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]);
}

/** A sequential colour: t = 0 (nothing recalled) to 1 (everything). */
export function sequentialColor(palette: Palette, t: number): string {
  return interpolateStops(paletteStops(palette), t);
}

/** A diverging colour: t = −1 (blue) through 0 (white) to +1 (red). */
export function divergingColor(t: number): string {
  return interpolateStops(DIVERGING_STOPS, (t + 1) / 2);
}

/** Black or white, whichever reads better on `background` (relative luminance, WCAG). */
export function textColorOn(background: string): string {
  const lin = parseHex(background).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!;
  return luminance > 0.25 ? '#000000' : '#ffffff';
}
