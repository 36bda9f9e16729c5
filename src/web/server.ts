// `memsig view`'s local web server (node:http): serves the viewer page, its assets and the signatures named on the
// command line as /signatures/0.json, /signatures/1.json, …, and nothing else. Paths are matched exactly as sent
// (never decoded or resolved against a folder), so no request can reach another file. Bound to 127.0.0.1 unless
// told otherwise; on a loopback address it also refuses requests for other host names (DNS rebinding).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { basename } from 'node:path';
import type { Signature } from '../analysis/signature-types.js';
import { UserError } from '../core/errors.js';
import { readSignature } from '../io/signature-file.js';
import { type Asset, loadPageAssets } from './assets.js';
import { renderPageHtml } from './page-html.js';

export const DEFAULT_HOST = '127.0.0.1';

export interface ViewerOptions {
  /** 0 (the default): any free port. */
  port?: number;
  host?: string;
}

export interface Viewer {
  /** "http://127.0.0.1:PORT/". */
  url: string;
  port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

export interface LoadedSignature {
  path: string;
  sig: Signature;
}

/** Reads and validates every file (a UserError naming the first bad one). */
export async function loadSignatures(paths: readonly string[]): Promise<LoadedSignature[]> {
  if (paths.length === 0) throw new UserError('memsig view needs at least one signature file');
  const out: LoadedSignature[] = [];
  for (const path of paths) out.push({ path, sig: await readSignature(path) });
  return out;
}

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The routes: exact URL path → what it serves. */
export function viewerRoutes(signatures: readonly LoadedSignature[]): Map<string, Asset> {
  const routes = loadPageAssets();
  const manifest = signatures.map((s, i) => ({ file: basename(s.path), url: `/signatures/${i}.json` }));
  routes.set('/', { type: HTML, body: renderPageHtml(manifest) });
  signatures.forEach((s, i) => {
    routes.set(`/signatures/${i}.json`, { type: JSON_TYPE, body: JSON.stringify(s.sig) });
  });
  return routes;
}

/** Whether `host` is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function hostPart(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

// The Host headers a loopback server answers: its own address and localhost, at its port.
function allowedHosts(host: string, port: number): Set<string> {
  return new Set([`${hostPart(host)}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
}

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean, extra = {}): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...extra,
  });
  res.end(head ? undefined : body);
}

function handler(routes: Map<string, Asset>, hostCheck: () => Set<string> | null) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const allowed = hostCheck();
    if (allowed && !allowed.has((req.headers.host ?? '').toLowerCase())) {
      return send(res, 403, 'text/plain; charset=utf-8', 'forbidden host\n', false);
    }
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', false, { Allow: 'GET, HEAD' });
    }
    // The path exactly as sent, query stripped: "/../x", "/%2e%2e/x" or "/signatures/../x" match no route.
    const path = (req.url ?? '').split('?')[0]!;
    const asset = routes.get(path);
    if (!asset) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head);
    const extra = asset.type === HTML ? { 'Content-Security-Policy': PAGE_CSP } : {};
    send(res, 200, asset.type, asset.body, head, extra);
  };
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new UserError(`port ${port} is already in use (choose another --port, or 0 for any free one)`);
    case 'EACCES':
      return new UserError(`not allowed to listen on port ${port} (ports below 1024 need privileges)`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UserError(`cannot listen on --host ${host}: not an address of this machine`);
    default:
      return err;
  }
}

/** Serves already loaded signatures. */
export async function serveSignatures(
  signatures: readonly LoadedSignature[],
  options: ViewerOptions = {},
): Promise<Viewer> {
  const host = options.host ?? DEFAULT_HOST;
  const requestedPort = options.port ?? 0;
  const routes = viewerRoutes(signatures);
  let allowed: Set<string> | null = null;
  const server = createServer(handler(routes, () => allowed));
  server.keepAliveTimeout = 2000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenError(err as NodeJS.ErrnoException, host, requestedPort)));
    server.listen(requestedPort, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : requestedPort;
  if (isLoopback(host)) allowed = allowedHosts(host, port);
  const shown = host === '0.0.0.0' || host === '::' ? DEFAULT_HOST : host;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${hostPart(shown)}:${port}/`,
    port,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** Validates the files (a UserError for the first bad one), then serves them. */
export async function startViewer(paths: readonly string[], options: ViewerOptions = {}): Promise<Viewer> {
  return serveSignatures(await loadSignatures(paths), options);
}
