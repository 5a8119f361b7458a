// `node --expose-gc dist-bench/profile-memory.js [N]`: what a stored span really costs (heap and
// buffers after a full GC) against the store's own estimate, for the agent runs of agentRuns.ts.
import { agentRunBodies } from '../test/helpers/syntheticRuns';
import { Ingest } from '../src/server/ingest';
import { TraceStore } from '../src/store/store';

function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const n = Number(process.argv[2] ?? 100_000);
  const bodies = agentRunBodies(n);
  const used = () => { gc(); gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
  const before = used();
  const ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
  for (const b of bodies) ingest.accept('traces', 'proto', b, false);
  bodies.length = 0;
  const real = used() - before;
  const est = ingest.store.approxBytes;
  const s = ingest.store.spanCount;
  process.stdout.write(`${s} spans: really ${Math.round(real / s)} B/span (heap + buffers after GC), estimated ${Math.round(est / s)} B/span: estimate/real = ${(est / real).toFixed(2)}\n`);
}

main();
