// Not a benchmark: heap and buffers per stored span against the store's estimate, for tuning.
// node --expose-gc dist-bench/mem-probe.js [spans=100000] [runsPerBody=64]
// The runs are test/helpers/syntheticRuns.ts's (7 spans each), made first; what the store then
// holds is measured (each request body a copy of its own, as a request's is).
import { TraceStore } from '../src/store/store';
import { Ingest } from '../src/server/ingest';
import { agentRunBodies } from '../test/helpers/syntheticRuns';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const mem = () => { gc(); gc(); const m = process.memoryUsage(); return { heap: m.heapUsed, ab: m.arrayBuffers, rss: m.rss }; };
const bodies = agentRunBodies(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 64));
const m0 = mem();
const ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
let inBytes = 0;
for (const b of bodies) { inBytes += b.length; ingest.accept('traces', 'proto', Buffer.from(b), false); }
const m1 = mem();
const n = ingest.store.spanCount;
const per = (x: number) => Math.round(x / n);
process.stdout.write(`spans ${n}: heap ${per(m1.heap - m0.heap)} B/span, buffers ${per(m1.ab - m0.ab)} B/span (OTLP bytes ${per(inBytes)} B/span); `
  + `the store's estimate ${per(ingest.store.approxBytes)} B/span; held / OTLP bytes ${((m1.heap - m0.heap + m1.ab - m0.ab) / inBytes).toFixed(2)}\n`);
