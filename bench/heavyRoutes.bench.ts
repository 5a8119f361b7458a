// `npm run bench`: what the routes whose cost grows with the data do to everything else. Two runs of
// 10k and of 100k steps (the real SDK; they differ by a few steps and prompts) in a receiver
// process; each heavy route is asked once while a client asks `GET /api/traces?limit=1` again and
// again. Reported: the route's own time, the small request's p99 meanwhile against its p99 with
// nothing else running (the reference, same run), and the server's event-loop delay while the route
// ran (monitorEventLoopDelay, from /api/status). The aim is 50 ms at most for both.
import * as net from 'node:net';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { startServerProcess } from './serverProcess';
import { longRunBodies } from '../test/helpers/syntheticRuns';
import { ReplaySession } from '../src/vscode/debug/session';
import { clientSource } from '../src/vscode/debug/source';
import { ServerClient } from '../src/vscode/client';

const SIZES = (process.env.BENCH_HEAVY_STEPS ?? '10000,100000').split(',').map(Number);

interface Status { eventLoopDelayMs: { p50: number; p99: number; max: number } | null }

async function main(): Promise<void> {
  const srv = await startServerProcess(['--no-persist', '--max-memory-mb', '4096'], true);
  const base = `http://127.0.0.1:${srv.ready.httpPort}`;
  const auth = { Authorization: `Bearer ${srv.ready.token}` };
  const get = async (p: string) => { const r = await fetch(base + p, { headers: auth }); const t = await r.text(); if (!r.ok) throw new Error(`${p}: ${r.status} ${t.slice(0, 200)}`); return t; };
  const status = async () => JSON.parse(await get('/api/status')) as Status;
  const p99 = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? NaN; };

  /** Small requests one after another until `done`; their latencies. */
  const poll = async (done: () => boolean, atLeast = 0): Promise<number[]> => {
    const out: number[] = [];
    while (!done() || out.length < atLeast) {
      const t0 = performance.now();
      await get('/api/traces?limit=1');
      out.push(performance.now() - t0);
    }
    return out;
  };

  const lines: string[] = [];
  for (const steps of SIZES) {
    const remove = new Set([Math.floor(steps / 3) | 1, Math.floor((2 * steps) / 3) | 1]);
    const insertAfter = new Set([Math.floor(steps / 2)]);
    const A = longRunBodies(steps);
    const B = longRunBodies(steps, { remove, insertAfter, prompts: new Map([[Math.floor(steps / 4) & ~1, 'Step: a different question about the refund.']]) });
    for (const body of [...A.bodies, ...B.bodies]) {
      const r = await fetch(`${base}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) });
      if (r.status !== 200) throw new Error(`ingest: ${r.status}`);
    }
    // The reference: the small request with nothing else running.
    await new Promise((r) => setTimeout(r, 500));
    let stop = false;
    setTimeout(() => { stop = true; }, 1000);
    const idle = await poll(() => stop, 20);
    const routes: [string, string][] = [
      ['diff (first page)', `/api/diff?a=${A.traceId}&b=${B.traceId}`],
      ['orphans', '/api/orphans'],
      ['search the runs', '/api/traces?q=refund'],
      ['search in a run', `/api/traces/${B.traceId}/search?q=refund`],
      ['tree of a run', `/api/traces/${A.traceId}/tree`],
      ['whole run', `/api/traces/${A.traceId}`],
    ];
    lines.push(`${steps.toLocaleString('en-US')}-step runs (x2): GET /api/traces?limit=1 p99 with nothing else running ${p99(idle).toFixed(1)} ms`);
    lines.push('  route                  route ms   small p99 ms  ratio to idle   event loop p99 / max ms');
    for (const [name, path] of routes) {
      await status(); // (resets the event-loop histogram)
      let done = false;
      const t0 = performance.now();
      const route = get(path).then(() => { done = true; return performance.now() - t0; });
      const small = await poll(() => done);
      const ms = await route;
      const loop = (await status()).eventLoopDelayMs;
      lines.push(`  ${name.padEnd(22)} ${ms.toFixed(0).padStart(8)} ${p99(small).toFixed(1).padStart(14)} ${(p99(small) / p99(idle)).toFixed(1).padStart(13)}x   ${loop ? `${loop.p99} / ${loop.max}` : 'n/a'}`);
    }
    // The replay debugger: launch → stopped on entry over DAP, against a fetch + JSON.parse of the
    // run's tree (the least a launch must read) and of the whole run (what a launch read before).
    const client = new ServerClient({ pid: 0, host: '127.0.0.1', httpPort: srv.ready.httpPort, grpcPort: 0, token: srv.ready.token, version: '', dataDir: '', uiUrl: '', startedAt: 0 } as never);
    const tcp = net.createServer((socket) => { const x = new ReplaySession(clientSource(client)); x.setRunAsServer(true); x.start(socket, socket); }).listen(0, '127.0.0.1');
    await new Promise((r) => tcp.once('listening', r));
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const launches: number[] = [], trees: number[] = [], wholes: number[] = [];
    for (let k = 0; k < 3; k++) {
      const dc = new DebugClient('node', '', 'agent-lens');
      await dc.start((tcp.address() as net.AddressInfo).port);
      const t0 = performance.now();
      await dc.initializeRequest({ adapterID: 'agent-lens', pathFormat: 'path' });
      const launched = dc.launchRequest({ traceId: A.traceId } as never);
      await dc.waitForEvent('initialized', 120_000);
      const stopped = dc.waitForEvent('stopped', 120_000);
      await dc.configurationDoneRequest();
      await launched; await stopped;
      await dc.scopesRequest({ frameId: 1 });
      launches.push(performance.now() - t0);
      await dc.stop();
      let t = performance.now();
      JSON.parse(await get(`/api/traces/${A.traceId}/tree`));
      trees.push(performance.now() - t);
      t = performance.now();
      JSON.parse(await get(`/api/traces/${A.traceId}`));
      wholes.push(performance.now() - t);
    }
    tcp.close();
    lines.push(`  debugger launch → stopped on entry, Variables shown: ${med(launches).toFixed(0)} ms (median of 3; aim < 1 s); fetch + JSON.parse of the run's tree ${med(trees).toFixed(0)} ms (ratio ${(med(launches) / med(trees)).toFixed(2)}), of the whole run ${med(wholes).toFixed(0)} ms`);
    await fetch(`${base}/api/traces/${A.traceId}`, { method: 'DELETE', headers: auth });
    await fetch(`${base}/api/traces/${B.traceId}`, { method: 'DELETE', headers: auth });
  }
  srv.kill();
  process.stdout.write(`heavy routes benchmark (node ${process.version}; aim: small-request p99 and event-loop p99 at most 50 ms)\n${lines.join('\n')}\n`);
}

void main().catch((e) => { process.stderr.write(`${(e as Error).stack}\n`); process.exit(1); });
