// GET /api/sites over 100,000 stored spans (agent runs whose model calls and tools name 22 lines of
// code), against a reference measured in the same run: one bare pass over the same spans reading
// the field the rollup groups by (what any rollup must at least do).
import { trace, context } from '@opentelemetry/api';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { startServer, defaultOptions } from '../src/server/server';

const SPANS = 100_000;

async function main(): Promise<void> {
  const server = await startServer(defaultOptions({ httpPort: 0, grpcPort: 0, dataDir: null, token: 'b', maxMemoryBytes: 4096 * 1048576 }));
  const memory = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] }).getTracer('bench');
  let n = 0;
  while (n < SPANS) {
    for (let r = 0; r < 100 && n < SPANS; r++, n += 5) {
      const root = tracer.startSpan('invoke_agent desk', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'desk', 'gen_ai.conversation.id': `c${r % 7}` } });
      const ctx = trace.setSpan(context.active(), root);
      for (let i = 0; i < 2; i++) {
        tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': 800 + r, 'gen_ai.usage.output_tokens': 40, 'code.file.path': `/app/agent${(n / 5) % 10}.py`, 'code.line.number': 10 + i } }, ctx).end();
        tracer.startSpan('execute_tool lookup', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup', 'code.file.path': '/app/tools.py', 'code.line.number': 5 + i } }, ctx).end();
      }
      root.end();
    }
    server.ingest.accept('traces', 'proto', Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!), false);
    memory.reset();
  }
  const time = async (f: () => Promise<unknown> | unknown) => { const t = performance.now(); await f(); return performance.now() - t; };
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const api = (q: string) => fetch(`http://127.0.0.1:${server.httpPort}/api/sites${q}`, { headers: { Authorization: 'Bearer b' } }).then((r) => r.json()) as Promise<{ sites: unknown[] }>;
  const bare = () => { let k = 0; for (const e of server.store.entries()) for (const s of e.spans.values()) if (s.genai?.source?.[0]) k++; return k; };
  const all: number[] = [], one: number[] = [], ref: number[] = [];
  let sites = 0;
  for (let i = 0; i < 7; i++) {
    ref.push(await time(bare));
    all.push(await time(async () => { sites = (await api('')).sites.length; }));
    one.push(await time(() => api(`?file=${encodeURIComponent('/home/me/app/agent3.py')}`)));
  }
  await server.close();
  process.stdout.write([
    `call-site rollups benchmark: ${server.store.spanCount.toLocaleString('en-US')} spans in ${server.store.traceCount.toLocaleString('en-US')} runs, ${sites} sites (median of 7, node ${process.version})`,
    `  GET /api/sites (every file)      ${med(all).toFixed(1)} ms`,
    `  GET /api/sites?file=… (one file)  ${med(one).toFixed(1)} ms   (what the editor asks per open file)`,
    `  reference: one bare pass over the same spans reading their location: ${med(ref).toFixed(1)} ms (ratio ${(med(one) / med(ref)).toFixed(1)}x for one file)`,
    '',
  ].join('\n'));
}

void main();
