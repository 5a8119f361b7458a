// One server process taking 1,000,000 GenAI spans over OTLP/HTTP with its caps raised so nothing is
// evicted: whether ingest keeps its pace as the store grows (the last 100k spans against the first
// 100k, same process, same run) and how much memory the process holds against the OTLP bytes it
// keeps (RSS read from /proc at 100k, 300k and 1M spans). Both figures are ratios measured in this
// run. BENCH_SCALE_SPANS changes the size.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { agentRunBodies } from '../test/helpers/syntheticRuns';
import { rssMb, startServerProcess } from './serverProcess';

const SPANS = Number(process.env.BENCH_SCALE_SPANS) || 1_000_000;
const WINDOW = Math.min(100_000, Math.floor(SPANS / 10));

async function main(): Promise<void> {
  const bodies = agentRunBodies(SPANS);
  const spansPer = 448; // agentRunBodies: 64 runs of 7 spans a body (the last may hold fewer)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-bench-scale-'));
  const srv = await startServerProcess(['--data-dir', dir, '--max-memory-mb', '20000', '--max-disk-mb', '20000']);
  const url = `http://127.0.0.1:${srv.ready.httpPort}/v1/traces`;
  await new Promise((r) => setTimeout(r, 500));
  const idleMb = rssMb(srv.ready.pid);
  const post = async (b: Buffer) => {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(b) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  };
  const marks = new Set([100_000, 300_000, SPANS].filter((n) => n <= SPANS));
  const rss: { spans: number; mb: number; heldMb: number }[] = [];
  const windows: { from: number; ms: number; spans: number }[] = [];
  let sent = 0, held = 0, windowStart = performance.now(), windowFrom = 0;
  // Two requests in flight, as a batching exporter with a busy app keeps the receiver.
  for (let i = 0; i < bodies.length; i += 2) {
    const pair = bodies.slice(i, i + 2);
    await Promise.all(pair.map(post));
    for (const b of pair) { held += b.length; sent += Math.min(spansPer, SPANS - sent); }
    if (sent - windowFrom >= WINDOW || sent === SPANS) {
      const now = performance.now();
      windows.push({ from: windowFrom, ms: now - windowStart, spans: sent - windowFrom });
      windowStart = now; windowFrom = sent;
    }
    for (const m of marks) if (sent >= m) { marks.delete(m); rss.push({ spans: sent, mb: rssMb(srv.ready.pid), heldMb: held / 1048576 }); }
  }
  const headers = { Authorization: `Bearer ${srv.ready.token}` };
  const status = await (await fetch(`http://127.0.0.1:${srv.ready.httpPort}/api/status`, { headers })).json() as { spans: number };
  // Full-text search over every run of the store (text no span has), at once after ingest (no skip
  // index yet: every byte is read), then 20 times once the index has been made in the background:
  // p50 and p95 (goal: p95 under 100 ms at 1M spans).
  const ingestEnd = performance.now();
  let t = performance.now();
  await (await fetch(`http://127.0.0.1:${srv.ready.httpPort}/api/traces?q=no-such-text-cold`, { headers })).arrayBuffer();
  const cold = performance.now() - t;
  let index: { indexedBodies: number; waitingBodies: number; bytes: number };
  for (;;) {
    index = (await (await fetch(`http://127.0.0.1:${srv.ready.httpPort}/api/status`, { headers })).json() as { search: typeof index }).search;
    if (index.waitingBodies === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const indexedAfter = performance.now() - ingestEnd;
  const searches: number[] = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    await (await fetch(`http://127.0.0.1:${srv.ready.httpPort}/api/traces?q=no-such-text-${i}`, { headers })).arrayBuffer();
    searches.push(performance.now() - t);
  }
  searches.sort((a, b) => a - b);
  srv.kill();
  fs.rmSync(dir, { recursive: true, force: true });

  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  const rate = (w: { ms: number; spans: number }) => w.spans / (w.ms / 1000);
  const first = windows[0]!, last = windows[windows.length - 1]!;
  process.stdout.write([
    `scale benchmark: ${f(SPANS)} GenAI spans over OTLP/HTTP protobuf into one server process (caps raised), ${f(bodies.length)} requests of ${spansPer} spans, node ${process.version}`,
    '',
    `  first ${f(first.spans)} spans   ${f(rate(first))} spans/s (a fresh process: the compiler warms up here)`,
    `  last ${f(last.spans)} spans    ${f(rate(last))} spans/s   ratio ${(rate(last) / rate(first)).toFixed(2)} of the first (goal ≥ 0.90)`,
    ...rss.map((r) => `  RSS at ${f(r.spans)} spans: ${f(r.mb)} MB for ${f(r.heldMb)} MB of OTLP held: ${(r.mb / r.heldMb).toFixed(2)} x (goal ≤ 1.5); above the idle server's ${f(idleMb)} MB: ${((r.mb - idleMb) / r.heldMb).toFixed(2)} x`),
    `  spans the server holds at the end: ${f(status.spans)}`,
    `  full-text search over every run: right after ingest (no skip index yet, every byte read) ${f(cold)} ms; the index complete ${f(indexedAfter)} ms after ingest (${f(index.indexedBodies)} bodies, ${(index.bytes / 1048576).toFixed(1)} MB); then 20 queries: p50 ${f(searches[10]!)} ms, p95 ${f(searches[18]!)} ms (goal: p95 under 100 ms)`,
    '',
  ].join('\n'));
}

void main();
