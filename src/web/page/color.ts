// Colour scales of the viewer, pure: the paper's two sequential palettes (white = 0 → dark = 100%) and the
// diverging red/blue of its difference figure (red: the first signature recalls better).

export type Palette = 'purple' | 'green';

type Rgb = readonly [number, number, number];

// ColorBrewer Purples and Greens with the lightest stop replaced by pure white, so that 0 reads as "nothing".
const SEQUENTIAL: Record<Palette, readonly string[]> = {
  purple: ['#ffffff', '#efedf5', '#dadaeb', '#bcbddc', '#9e9ac8', '#807dba', '#6a51a3', '#54278f', '#3f007d'],
  green: ['#ffffff', '#e5f5e0', '#c7e9c0', '#a1d99b', '#74c476', '#41ab5d', '#238b45', '#006d2c', '#00441b'],
};

// ColorBrewer RdBu from blue (−1) through white (0) to red (+1).
const DIVERGING = [
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
];

/** The colour shown for cells without a value (no eval position of that symbol). */
export const EMPTY_COLOR = '#e4e4e7';

function parseHex(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

// t in [0, 1] along evenly spaced stops, linear in sRGB between neighbours.
function along(stops: readonly string[], t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = parseHex(stops[i]!);
  const b = parseHex(stops[i + 1]!);
  return toHex([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]);
}

/** Sequential colour of `t` in [0, 1] (clamped): white at 0, the palette's darkest at 1. */
export function sequentialColor(t: number, palette: Palette): string {
  return along(SEQUENTIAL[palette], t);
}

/** Diverging colour of `t` in [−1, 1] (clamped): blue below 0, white at 0, red above. */
export function divergingColor(t: number): string {
  return along(DIVERGING, (Math.min(1, Math.max(-1, Number.isFinite(t) ? t : 0)) + 1) / 2);
}

/** The palette's darkest colour (lines and accents drawn in the palette). */
export function paletteAccent(palette: Palette): string {
  const stops = SEQUENTIAL[palette];
  return stops[stops.length - 2]!;
}

/** Relative luminance (WCAG) of a #rrggbb colour: text on it should be dark above about 0.4. */
export function luminance(hex: string): number {
  const lin = parseHex(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!;
}
