// Not a test (no .test suffix): runs the agent under every instrumentation and dumps what arrives.
// node dist-test/helpers/exploreGenai.js [flavour...]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as path from 'node:path';
import { startTestServer, api } from './server';
import { startMockModel } from '../../src/demo/mockModel';
import type { TraceResponse } from '../../src/protocol';

async function main(): Promise<void> {
  const server = await startTestServer();
  const mock = await startMockModel();
  const get = api(server);
  for (const flavour of process.argv.slice(2)) {
    const { stdout: out } = await promisify(execFile)(process.execPath, [path.join(__dirname, 'agentRun.js'), flavour, `http://127.0.0.1:${server.httpPort}`, mock.url], { encoding: 'utf8' });
    const { traceId } = JSON.parse(out.trim().split('\n').pop()!) as { traceId: string };
    await new Promise((r) => setTimeout(r, 300));
    const t = await get<TraceResponse>(`/api/traces/${traceId}`);
    process.stdout.write(JSON.stringify({ flavour, usages: mock.usages, spans: t.spans.map((s) => ({ name: s.name, id: s.spanId, parent: s.parentSpanId, attrs: Object.fromEntries(s.attributes.map((a) => [a.key, Object.values(a.value)[0]])), events: s.events, genai: s.genai })), logs: t.logs }, null, 1) + '\n');
    mock.usages.length = 0;
  }
  await mock.close();
  await server.close();
  process.exit(0);
}
void main();
