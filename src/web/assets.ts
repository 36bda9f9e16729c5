// The viewer page's static assets: the compiled page modules (dist/src/web/page/*.js, served as /app/NAME.js) and
// the stylesheet. Read once at startup into memory; the server answers only for exactly these names.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PAGE_CSS } from './style.js';

export interface Asset {
  type: string;
  body: string;
}

const PAGE_DIR = new URL('./page/', import.meta.url);
const JS = 'text/javascript; charset=utf-8';

/** URL path → asset, for every page module and the stylesheet. */
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
    // Source maps point at files the server does not serve; leaving the comment in makes browsers ask for them.
    const body = readFileSync(new URL(name, PAGE_DIR), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    assets.set(`/app/${name}`, { type: JS, body });
  }
  assets.set('/app/style.css', { type: 'text/css; charset=utf-8', body: PAGE_CSS });
  return assets;
}
