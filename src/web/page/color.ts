// The viewer's colours are the figures' colours: the scales themselves (stops, sRGB interpolation, the diverging
// red/blue, the no-data grey) come from src/render/colors.ts, served to the page as /app/render/colors.js. This
// module adds only what the page needs around them: an accent colour per palette and the words for its two ends.

import { type Palette, paletteStops, parseHex } from '../../render/colors.js';

export type { Palette } from '../../render/colors.js';

// Sum of the sRGB channels: enough to tell a palette's dark end from its light one.
function darkness(hex: string): number {
  return -parseHex(hex).reduce((a, b) => a + b, 0);
}

/**
 * A dark colour of the palette for lines and accents on white: the stop next to its darkest end (purple's end is at
 * 100%, green's at 0%: the paper's Figure 4 scale runs from dark green to pale).
 */
export function paletteAccent(palette: Palette): string {
  const stops = paletteStops(palette);
  const darkFirst = darkness(stops[0]!) > darkness(stops[stops.length - 1]!);
  return darkFirst ? stops[1]! : stops[stops.length - 2]!;
}

/** How the help line names the two ends of the palette's scale (docs/figures.md). */
export function paletteEnds(palette: Palette): { low: string; high: string } {
  return palette === 'green' ? { low: 'dark green', high: 'pale yellow-green' } : { low: 'white', high: 'dark purple' };
}
