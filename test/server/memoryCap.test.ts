// The memory cap bounds the process: agent runs flow into a real server process, several times
// what it may keep, and its peak RSS (read from /proc, outside the code under test) stays under
// --max-memory-mb, while the store keeps the newest runs and evicts the oldest.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawnServer, killServers } from '../helpers/server';
import { agentRunBodies } from '../helpers/syntheticRuns';

after(() => killServers());

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

for (const capMb of [160, 384]) {
  test(`--max-memory-mb ${capMb}: peak RSS stays under the cap while 3x what fits flows in`, { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    const srv = await spawnServer(['--no-persist', '--http-port', '0', '--grpc-port', '0', '--max-memory-mb', String(capMb)]);
    const status = async () => (await fetch(`http://127.0.0.1:${srv.ready.httpPort}/api/status`, { headers: { Authorization: `Bearer ${srv.ready.token}` } })).json() as Promise<{ spans: number; approxBytes: number; storeBudgetBytes: number }>;
    const budget = (await status()).storeBudgetBytes;
    // Enough spans for three times the store's budget (about 1.4 kB each by its estimate).
    const spans = Math.ceil((3 * budget) / 1400);
    const bodies = agentRunBodies(spans);
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, rssMb(srv.ready.pid)); }, 10);
    for (const body of bodies) {
      const res = await fetch(`http://127.0.0.1:${srv.ready.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(srv.ready.pid));
    const st = await status();
    process.stdout.write(`cap ${capMb} MB: ${spans} spans sent, ${st.spans} kept (store ${Math.round(st.approxBytes / 1048576)} of ${Math.round(budget / 1048576)} MB), peak RSS ${Math.round(peak)} MB\n`);
    assert.ok(st.spans < spans / 2, 'old runs were evicted');
    assert.ok(st.approxBytes <= budget);
    assert.ok(peak < capMb, `peak RSS ${Math.round(peak)} MB over the cap of ${capMb} MB`);
  });
}
