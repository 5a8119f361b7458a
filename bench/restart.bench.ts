// Restart with 500,000 spans on disk: how soon a real server process listens, how fast it loads
// its history in the background, and how an app that exports meanwhile is served; then full-text
// search over all of it, and exports while a client searches. References in the same run: reading
// the segment files alone, the same bodies ingested in-process with nothing else to do, and export
// latency once history has loaded with nothing else going on.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { agentRunBodies } from '../test/helpers/syntheticRuns';
import { rssMb, startServerProcess } from './serverProcess';

import { SegmentLog, RecordType, RecordFormat } from '../src/store/segments';
import { Ingest } from '../src/server/ingest';
import { TraceStore } from '../src/store/store';

const SPANS = Number(process.env.BENCH_RESTART_SPANS) || 500_000;

/** The server on `dataDir` (its warnings not shown: they are not the benchmark's). */
const start = (dataDir: string, capMb = 4096) => startServerProcess(['--data-dir', dataDir, '--max-memory-mb', String(capMb)], true);

const pct = (xs: number[], p: number) => { const s = xs.slice().sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]!; };

async function exportLatencies(port: number, n: number, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const now = BigInt(Date.now()) * 1_000_000n;
    const id = (i + 1).toString(16).padStart(8, '0');
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: tag } }] }, scopeSpans: [{ spans: [{
      traceId: `${tag === 'during' ? 'd' : tag === 'search' ? 'e' : 'a'}${id}${'0'.repeat(23)}`, spanId: `${id}00000000`, name: 'invoke_agent probe', kind: 1,
      startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) }] }] }] });
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    await res.arrayBuffer();
    out.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}

async function main(): Promise<void> {
  const bodies = agentRunBodies(SPANS);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-bench-restart-'));
  const log = new SegmentLog({ dir: path.join(dir, 'segments'), segmentBytes: 64 * 1048576, maxTotalBytes: 2 ** 40, maxAgeMs: 86_400_000, fsyncMs: 1000, warn: () => {} });
  for (const b of bodies) log.append(RecordType.Traces, RecordFormat.Proto, b);
  log.close();
  const diskBytes = fs.readdirSync(path.join(dir, 'segments')).reduce((n, f) => n + fs.statSync(path.join(dir, 'segments', f)).size, 0);

  // References: read the files; ingest the same bodies in-process with nothing else going on.
  let t = performance.now();
  for (const f of fs.readdirSync(path.join(dir, 'segments'))) fs.readFileSync(path.join(dir, 'segments', f));
  const readMs = performance.now() - t;
  const ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
  t = performance.now();
  for (const b of bodies) ingest.accept('traces', 'proto', b, false);
  const inProcMs = performance.now() - t;
  const spans = ingest.store.spanCount;
  bodies.length = 0;

  const srv = await start(dir);
  const headers = { Authorization: `Bearer ${srv.ready.token}` };
  const status = async () => (await fetch(`http://127.0.0.1:${srv.ready.httpPort}/api/status`, { headers })).json() as Promise<{ history: { loading: boolean; spans: number; ms: number } }>;
  const during = await exportLatencies(srv.ready.httpPort, 30, 'during');
  const stillLoading = (await status()).history.loading;
  let st = await status();
  while (st.history.loading) { await new Promise((r) => setTimeout(r, 50)); st = await status(); }
  const afterwards = await exportLatencies(srv.ready.httpPort, 30, 'after');
  // Full-text search over every run: the first query reads every span, later ones use the cached
  // text; meanwhile an app exports (a search client queries every 200 ms for text nothing has).
  const search = async () => {
    const t = performance.now();
    await (await fetch(`http://127.0.0.1:${srv.ready.httpPort}/api/traces?q=no-such-text-${Math.random()}`, { headers })).arrayBuffer();
    return performance.now() - t;
  };
  const coldSearch = await search();
  const warmSearch = await search();
  // The reference: the same bytes (the segment files, in memory) scanned for the same kind of text
  // by Buffer.indexOf (native, case-sensitive: a lower bound for any search of them).
  const segFiles = fs.readdirSync(path.join(dir, 'segments')).filter((f) => f.endsWith('.alog')).map((f) => path.join(dir, 'segments', f)).filter((f) => fs.statSync(f).isFile());
  const segBytes = segFiles.map((f) => fs.readFileSync(f));
  const t0Scan = performance.now();
  for (const b of segBytes) b.indexOf(`no-such-text-${Math.random()}`);
  const scanMs = performance.now() - t0Scan;
  const scannedMb = segBytes.reduce((n, b) => n + b.length, 0) / 1048576;
  segBytes.length = 0;
  let searching = true;
  const searches: number[] = [];
  const searcher = (async () => { while (searching) { searches.push(await search()); await new Promise((r) => setTimeout(r, 200)); } })();
  const whileSearching = await exportLatencies(srv.ready.httpPort, 30, 'search');
  searching = false;
  await searcher;
  srv.kill();
  // The memory cap while the history loads: peak RSS (read from /proc) against the cap.
  const capMb = 256;
  const capped = await start(dir, capMb);
  let peakMb = 0;
  const sampler = setInterval(() => {
    const mb = rssMb(capped.ready.pid);
    if (mb > peakMb) peakMb = mb;
  }, 10);
  const cappedStatus = async () => (await fetch(`http://127.0.0.1:${capped.ready.httpPort}/api/status`, { headers: { Authorization: `Bearer ${capped.ready.token}` } })).json() as Promise<{ spans: number; history: { loading: boolean } }>;
  let cst = await cappedStatus();
  while (cst.history.loading) { await new Promise((r) => setTimeout(r, 50)); cst = await cappedStatus(); }
  clearInterval(sampler);
  capped.kill();
  fs.rmSync(dir, { recursive: true, force: true });

  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  process.stdout.write([
    `restart benchmark: ${f(spans)} GenAI spans on disk (${(diskBytes / 1048576).toFixed(0)} MB of segments), node ${process.version}`,
    '',
    `  time to listen (process start → ready line)   ${f(srv.ready.startupMs)} ms (wall clock from spawn: ${f(srv.wallMs)} ms)`,
    `  history loaded in the background              ${f(st.history.spans)} spans in ${f(st.history.ms)} ms: ${f(st.history.spans / (st.history.ms / 1000))} spans/s`,
    `    reference: the same bodies ingested in-process, nothing else going on: ${f(spans / (inProcMs / 1000))} spans/s (ratio ${((st.history.spans / st.history.ms) / (spans / inProcMs)).toFixed(2)})`,
    `    reference: reading the segment files alone: ${f(readMs)} ms`,
    `  an app exporting one span meanwhile${stillLoading ? '' : ' (history had finished before the 30 probes did)'}: p50 ${pct(during, 0.5).toFixed(1)} ms, p95 ${pct(during, 0.95).toFixed(1)} ms`,
    `    reference: the same once history has loaded: p50 ${pct(afterwards, 0.5).toFixed(1)} ms, p95 ${pct(afterwards, 0.95).toFixed(1)} ms`,
    `  full-text search over every run: first query ${f(coldSearch)} ms, then ${f(warmSearch)} ms (p50 ${f(pct(searches, 0.5))} ms over ${searches.length} queries)`,
    `    reference: Buffer.indexOf over the ${scannedMb.toFixed(0)} MB of segments in memory: ${scanMs.toFixed(0)} ms (search / reference ${(warmSearch / scanMs).toFixed(1)}x)`,
    `  an app exporting one span while a client searches every 200 ms: p50 ${pct(whileSearching, 0.5).toFixed(1)} ms, p95 ${pct(whileSearching, 0.95).toFixed(1)} ms (reference above: no search)`,
    `  with --max-memory-mb ${capMb}: peak RSS while history loads ${peakMb ? `${f(peakMb)} MB (${(peakMb / capMb).toFixed(2)} of the cap)` : 'not measured (no /proc)'}, ${f(cst.spans)} spans kept`,
    '',
  ].join('\n'));
}

void main();
