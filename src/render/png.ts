// SVG → PNG bytes with resvg (a Rust SVG renderer shipped as a native addon inside its npm packages: nothing is
// downloaded at install or run time). Text needs fonts: the system's are loaded (on Debian, fonts-dejavu-core gives
// DejaVu Sans), and font files can be given too. Without any font the figure still renders, without its text.

import { Resvg } from '@resvg/resvg-js';

export interface PngOptions {
  /** Pixels per SVG px: 3 gives ≈ 300 dpi for a figure a paper prints at its SVG size in points. Default 3. */
  scale?: number;
  /** Extra font files (.ttf/.otf) to use besides the system's. */
  fontFiles?: string[];
  /** Whether to load the system's fonts (default true). */
  loadSystemFonts?: boolean;
}

export const DEFAULT_PNG_SCALE = 3;

/** Rasterizes `svg` (one of memsig's figures) to PNG bytes; deterministic for the same fonts. */
export function renderPng(svg: string, options: PngOptions = {}): Uint8Array {
  const scale = options.scale ?? DEFAULT_PNG_SCALE;
  if (!(scale > 0 && scale <= 20)) throw new RangeError(`PNG scale must be > 0 and ≤ 20 (got ${scale})`);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: {
      loadSystemFonts: options.loadSystemFonts ?? true,
      fontFiles: options.fontFiles ?? [],
      // What the figures' font stack resolves to where system-ui and the others are missing.
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'error',
  });
  const image = resvg.render();
  return new Uint8Array(image.asPng());
}
