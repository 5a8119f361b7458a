// Not a benchmark: heap, external and array-buffer bytes per stored span, by part, for tuning.
// BENCH_DUMP=/tmp/b node dist-bench/ingest.bench.js && node --expose-gc dist-bench/mem-probe.js /tmp/b/*.pb
import { readFileSync } from 'node:fs';
import { TraceStore } from '../src/store/store';
import { Ingest } from '../src/server/ingest';
import { decodeTracesProto } from '../src/otlp/decodeProto';
import { scanKeys } from '../src/genai/normalize';
const gc = (globalThis as { gc?: () => void }).gc!;
const bufs = process.argv.slice(2).map((f) => readFileSync(f));
const mem = () => { gc(); gc(); const m = process.memoryUsage(); return { heap: m.heapUsed, ab: m.arrayBuffers }; };
const per = (a: { heap: number; ab: number }, b: { heap: number; ab: number }, n: number) => `heap ${Math.round((b.heap - a.heap) / n)} B, arrayBuffers ${Math.round((b.ab - a.ab) / n)} B`;
let m0 = mem();
const decoded = bufs.map((b) => decodeTracesProto(b, scanKeys).spans);
const n = decoded.reduce((k, s) => k + s.length, 0);
let m1 = mem();
process.stdout.write(`decoded records (with scan): ${per(m0, m1, n)}\n`);
for (const d of decoded) for (const s of d) s.scan = null;
let m2 = mem();
process.stdout.write(`decoded records (scan dropped): ${per(m0, m2, n)}\n`);
decoded.length = 0;
m0 = mem();
const ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
for (const b of bufs) ingest.accept('traces', 'proto', b, false);
m1 = mem();
process.stdout.write(`stored: ${per(m0, m1, ingest.store.spanCount)}; estimate ${Math.round(ingest.store.approxBytes / ingest.store.spanCount)} B\n`);
