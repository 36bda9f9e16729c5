import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { readSignature } from '../../src/io/signature-file.js';
import { PAGE_SCRIPT, SHARED_CORE_MODULES, SHARED_RENDER_MODULES } from '../../src/web/assets.js';
import { startViewer, type Viewer } from '../../src/web/server.js';
import { tempDir } from '../cli/helpers.js';
import { GRU_PATH, LSTM_PATH } from './helpers.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

// node:http sends the path exactly as given (no "..", no percent-decoding), unlike fetch, which normalizes it.
function get(viewer: Viewer, path: string, options: { method?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: viewer.port,
        path,
        method: options.method ?? 'GET',
        agent: false,
        headers: options.host ? { host: options.host } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('startViewer() serves the page, its assets and the named signatures, nothing else', () => {
  let viewer: Viewer;
  before(async () => {
    viewer = await startViewer([LSTM_PATH, GRU_PATH], { port: 0 });
  });
  after(() => viewer.close());

  test('the URL is on 127.0.0.1 at the port it got', () => {
    assert.match(viewer.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(viewer.port > 0);
  });

  test('/ is the page, with a strict Content-Security-Policy and the list of signatures', async () => {
    const r = await get(viewer, '/');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.match(String(r.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.match(r.body, /<script type="module" src="\/app\/web\/page\/main\.js">/);
    assert.match(r.body, /"file":"lstm-2layer\.json","url":"\/signatures\/0\.json"/);
    assert.match(r.body, /"file":"gru-1layer\.json","url":"\/signatures\/1\.json"/);
    assert.doesNotMatch(r.body, /https?:\/\//, 'nothing from the network');
  });

  test('the page modules and the stylesheet are served, with every module the page imports', async () => {
    // Follow the import graph from the entry as a browser would: every import is relative (no bare or node:
    // specifier, which a browser cannot load) and is served.
    const seen = new Set<string>();
    const queue = [PAGE_SCRIPT];
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const r = await get(viewer, path);
      assert.equal(r.status, 200, path);
      assert.match(String(r.headers['content-type']), /^text\/javascript/);
      assert.doesNotMatch(r.body, /sourceMappingURL/);
      assert.doesNotMatch(r.body, /\bimport\s*\(/, `${path}: no dynamic import`);
      for (const [, spec] of r.body.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*'([^']+)'/gm)) {
        assert.match(spec!, /^\.\.?\//, `${path} imports ${spec}: only relative imports can be served`);
        queue.push(new URL(spec!, `http://x${path}`).pathname);
      }
      for (const [, spec] of r.body.matchAll(/^\s*import\s*'([^']+)'/gm)) assert.fail(`${path}: bare import ${spec}`);
    }
    // The figures' colour scales and cell values are among them: the viewer draws what the renderer draws.
    for (const name of SHARED_RENDER_MODULES) assert.ok(seen.has(`/app/render/${name}`), name);
    for (const name of SHARED_CORE_MODULES) assert.ok(seen.has(`/app/core/${name}`), name);
    const css = await get(viewer, '/app/style.css');
    assert.equal(css.status, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
  });

  test('/signatures/N.json is the Nth file, as validated', async () => {
    for (const [i, path] of [LSTM_PATH, GRU_PATH].entries()) {
      const r = await get(viewer, `/signatures/${i}.json`);
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.deepEqual(JSON.parse(r.body), await readSignature(path));
    }
  });

  test('anything else is 404, path traversal and encoded variants included', async () => {
    for (const path of [
      '/../package.json',
      '/signatures/5.json',
      '/signatures/-1.json',
      '/signatures/0.json/',
      '/etc/passwd',
      '/%2e%2e/package.json',
      '/%2E%2E/%2E%2E/etc/passwd',
      '/signatures/../package.json',
      '/signatures/%2e%2e/%2e%2e/package.json',
      '/app/../../package.json',
      '/app/main.js',
      '/app/web/page/main.js.map',
      '/app/web/page/main.d.ts',
      '/app/web/page/',
      '/app/web/page/../../render/png.js',
      '/app/render/png.js',
      '/app/render/signature-data.js',
      '/app/render/colors.js.map',
      '/app/core/errors.js',
      '/app/web/server.js',
      '/app/',
      '//etc/passwd',
      '/index.html',
      '/package.json',
    ]) {
      const r = await get(viewer, path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body, 'not found\n');
    }
  });

  test('a query string does not change the route; HEAD has no body; other methods are refused', async () => {
    assert.equal((await get(viewer, '/?x=1')).status, 200);
    const head = await get(viewer, '/signatures/0.json', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    const post = await get(viewer, '/', { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  test('requests naming another host are refused (DNS rebinding)', async () => {
    assert.equal((await get(viewer, '/', { host: `evil.example:${viewer.port}` })).status, 403);
    assert.equal((await get(viewer, '/', { host: `localhost:${viewer.port}` })).status, 200);
  });
});

test('startViewer() rejects a bad file with a one-line UserError naming it', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(startViewer([LSTM_PATH, `${dir}/missing.json`]), (err: Error) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /missing\.json/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
  await assert.rejects(startViewer([]), /at least one signature/);
});

test('startViewer() says when the port is taken, and close() stops it', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(startViewer([GRU_PATH], { port }), new RegExp(`port ${port} is already in use`));
  } finally {
    blocker.close();
  }
  const viewer = await startViewer([GRU_PATH]);
  assert.equal((await get(viewer, '/')).status, 200);
  await viewer.close();
  await viewer.close();
  await assert.rejects(get(viewer, '/'), /ECONNREFUSED/);
});
