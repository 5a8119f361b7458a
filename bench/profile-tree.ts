// Where the time of GET /api/traces/{id}/tree goes for a 100,000-span run (run by hand:
// node --cpu-prof dist-bench/profile-tree.js).
import { TraceStore } from '../src/store/store';
import { Ingest } from '../src/server/ingest';
import { treeResponse } from '../src/store/views';
import { treeOrderSteps } from '../src/store/treeOrder';
import { runNow } from '../src/slices';
import { makeRun } from './ui.bench';


const { traceId, bodies } = makeRun(100_000);
const ingest = new Ingest(new TraceStore({ maxBytes: 4e9 }), undefined);
for (const b of bodies) ingest.accept('traces', 'proto', b, false);
const e = ingest.store.get(traceId)!;
for (let i = 0; i < 3; i++) {
  const a = performance.now();
  runNow(treeOrderSteps(e));
  console.log(`order ${(performance.now() - a).toFixed(0)} ms`);
  const t0 = performance.now();
  const tree = treeResponse(e);
  const t1 = performance.now();
  const json = JSON.stringify(tree);
  const t2 = performance.now();
  console.log(`tree ${(t1 - t0).toFixed(0)} ms, stringify ${(t2 - t1).toFixed(0)} ms, ${(json.length / 1e6).toFixed(1)} MB`);
}
