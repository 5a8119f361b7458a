// Not a benchmark: a loop over protobuf ingest alone, for `node --cpu-prof` when tuning.
// BENCH_DUMP=/tmp/b node dist-bench/ingest.bench.js && node --cpu-prof dist-bench/profile-ingest.js /tmp/b/*.pb
// PROFILE=decode: the ingest decoder alone. Files ending .json are ingested as OTLP/JSON.
import { readFileSync } from 'node:fs';
import { TraceStore } from '../src/store/store';
import { Ingest } from '../src/server/ingest';
import { decodeTracesProto } from '../src/otlp/decodeProto';
import { scanKeys } from '../src/genai/normalize';
const bufs = process.argv.slice(2).map((f) => readFileSync(f));
const t0 = Date.now();
let spans = 0;
for (let r = 0; r < 100; r++) {
  if (process.env.PROFILE === 'decode') {
    for (const b of bufs) spans += decodeTracesProto(b, scanKeys).spans.length;
    continue;
  }
  const ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
  bufs.forEach((b, i) => ingest.accept('traces', process.argv[i + 2]!.endsWith('.json') ? 'json' : 'proto', b, false));
  spans += ingest.store.spanCount;
}
process.stderr.write(`${Math.round(spans / ((Date.now() - t0) / 1000))} spans/s\n`);
