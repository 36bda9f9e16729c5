// The viewer page's static assets, read once at startup into memory; the server answers only for exactly these
// names. Under /app/ the URLs mirror dist/src/, so the compiled modules' relative imports work unchanged:
//   /app/web/page/NAME.js  every page module (dist/src/web/page/*.js);
//   /app/render/NAME.js    the figures' modules the page imports, only those in SHARED_RENDER_MODULES;
//   /app/core/NAME.js      the numeric modules the page imports, only those in SHARED_CORE_MODULES;
//   /app/style.css         the stylesheet.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PAGE_CSS } from './style.js';

export interface Asset {
  type: string;
  body: string;
}

const PAGE_DIR = new URL('./page/', import.meta.url);
const RENDER_DIR = new URL('../render/', import.meta.url);
const CORE_DIR = new URL('../core/', import.meta.url);
const JS = 'text/javascript; charset=utf-8';

/** The page's entry module. */
export const PAGE_SCRIPT = '/app/web/page/main.js';

/**
 * The modules of src/render/ the page imports, so that the viewer draws the figures' numbers and colours. Each must
 * stay pure and import nothing at run time but others of this list (types only otherwise): a browser loads it as it
 * is. test/web/server.test.ts follows the page's import graph to check it.
 */
export const SHARED_RENDER_MODULES = ['colors.js', 'metric.js', 'convergence-marks.js', 'seed-label.js'] as const;

/** The modules of src/core/ the page imports (the difference view's significance tests), under the same rule. */
export const SHARED_CORE_MODULES = ['stats.js'] as const;

// Source maps point at files the server does not serve; leaving the comment in makes browsers ask for them.
function readModule(url: URL): string {
  return readFileSync(url, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
}

/** URL path → asset, for every page module, the shared render and core modules and the stylesheet. */
export function loadPageAssets(): Map<string, Asset> {
  const dir = fileURLToPath(PAGE_DIR);
  const assets = new Map<string, Asset>();
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /^[a-z][a-z0-9-]*\.js$/.test(name));
  } catch {
    names = [];
  }
  // The page modules exist only compiled: running from sources without a build is a setup mistake, not the user's.
  if (!names.includes('main.js'))
    throw new Error(`memsig view: the page script is missing from ${dir} (run npm run build)`);
  for (const name of names) {
    assets.set(`/app/web/page/${name}`, { type: JS, body: readModule(new URL(name, PAGE_DIR)) });
  }
  for (const name of SHARED_RENDER_MODULES) {
    assets.set(`/app/render/${name}`, { type: JS, body: readModule(new URL(name, RENDER_DIR)) });
  }
  for (const name of SHARED_CORE_MODULES) {
    assets.set(`/app/core/${name}`, { type: JS, body: readModule(new URL(name, CORE_DIR)) });
  }
  assets.set('/app/style.css', { type: 'text/css; charset=utf-8', body: PAGE_CSS });
  return assets;
}
