// Not a benchmark: a loop over protobuf ingest alone, for `node --cpu-prof` when tuning.
// BENCH_DUMP=/tmp/b node dist-bench/ingest.bench.js && node --cpu-prof dist-bench/profile-ingest.js /tmp/b/*.pb
import { readFileSync } from 'node:fs';
import { TraceStore } from '../src/store/store';
import { Ingest } from '../src/server/ingest';
const bufs = process.argv.slice(2).map((f) => readFileSync(f));
for (let r = 0; r < 40; r++) {
  const ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
  for (const b of bufs) ingest.accept('traces', 'proto', b, false);
}
