// Web pages and the receiver, in a real Chromium: a page from a loopback dev server (another port)
// exports OTLP and its run is stored; a page from a foreign origin, and a DNS-rebinding page whose
// name resolves to 127.0.0.1, cannot write a run or read the API, whichever way they try.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, freePort } from '../helpers/server';
import { browserSkipReason, openBrowser, type Browser } from '../helpers/browser';
import type { RunningServer } from '../../src/server/server';
import type { TraceListResponse } from '../../src/protocol';

const skip = browserSkipReason() || false;
let server: RunningServer;
let browser: Browser;
let devPort: number;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  devPort = await freePort();
  // Chromium resolves these names to this machine, as a DNS-rebinding attacker's would. Its own
  // Local Network Access check (which would stop some of these pages before they reach the
  // server) is off: other browsers have none, and the server must refuse on its own.
  browser = await openBrowser({ args: ['--host-resolver-rules=MAP evil.test 127.0.0.1, MAP rebind.test 127.0.0.1',
    '--disable-features=LocalNetworkAccessChecks'] });
});
after(async () => {
  if (skip) return;
  await browser.close();
  await server.close();
});

/** An OTLP/JSON body of one span with this service name. */
function otlp(service: string): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const id = [...service].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7).toString(16).padStart(8, '0');
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeSpans: [{ spans: [{ traceId: `${id}${'ab'.repeat(12)}`, spanId: `${id}cdcdcdcd`, name: `from ${service}`, kind: 1,
      startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) }] }] }] });
}

/** Opens a page at `origin` (its HTML served by the test) and runs the exports from inside it. */
async function tryFrom(origin: string, target: string): Promise<Record<string, string>> {
  const { page } = browser;
  await page.route(`${origin}/`, (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>page</title>' }));
  await page.goto(`${origin}/`);
  await page.unroute(`${origin}/`);
  return page.evaluate(async ({ target, bodies }) => {
    const out: Record<string, string> = {};
    const attempt = async (name: string, f: () => Promise<Response>) => {
      try { const r = await f(); out[name] = `${r.status || 'opaque'}`; } catch (e) { out[name] = `blocked: ${(e as Error).message}`; }
    };
    // With a JSON content type: a CORS preflight first.
    await attempt('json', () => fetch(`${target}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: bodies.json }));
    // A "simple" request needs no preflight: the server must refuse it by its Origin.
    await attempt('simple', () => fetch(`${target}/v1/traces`, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: bodies.simple }));
    await attempt('api', () => fetch(`${target}/api/traces`));
    return out;
  }, { target, bodies: { json: otlp(`json ${origin}`), simple: otlp(`simple ${origin}`) } });
}

test('a loopback dev server may export; a foreign origin and a rebinding page store nothing', { skip }, async () => {
  const get = api(server);
  const target = `http://127.0.0.1:${server.httpPort}`;
  const services = async () => (await get<TraceListResponse>('/api/traces')).traces.map((t) => t.service).sort();

  const dev = await tryFrom(`http://localhost:${devPort}`, target);
  assert.equal(dev.json, '200', JSON.stringify(dev));
  assert.deepEqual(await services(), [`json http://localhost:${devPort}`]);

  const evil = await tryFrom(`http://evil.test:${devPort}`, target);
  assert.match(evil.json, /^blocked/, JSON.stringify(evil)); // the preflight got a 403
  assert.match(evil.api, /^blocked/);
  // The rebinding page is same-origin with the port it names, so no CORS stands in its way: the
  // Host check must. Its page is served by the test; its requests reach the real server.
  const rebind = await tryFrom(`http://rebind.test:${server.httpPort}`, `http://rebind.test:${server.httpPort}`);
  assert.equal(rebind.json, '403', JSON.stringify(rebind));
  assert.equal(rebind.api, '403');
  // Nothing but the dev server's run was stored, however the others tried.
  assert.deepEqual(await services(), [`json http://localhost:${devPort}`]);
});
