// Where a step came from: code.* attributes in both generations, stack traces of five languages
// filtered to the user's frames, and paths from elsewhere mapped to workspace files. The Node
// stacks are real (V8's own call-site API gives the truth), the Python ones are the tracebacks the
// captured framework runs carried; Java, Go and .NET are in the formats those runtimes print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { parseStack, isUserFrame } from '../../src/source/stack';
import { runSource, sourceLocations } from '../../src/source/locate';
import { mapPath } from '../../src/source/pathMap';
import { decodeTracesProto, spanDetail } from '../../src/otlp/decodeProto';
import { scanKeys } from '../../src/genai/normalize';
import { captureNames, truthOf, CAPTURES_DIR } from '../helpers/captures';
import { treeSpans, type KeyValue, type SpanDetailResponse, type TraceTreeResponse } from '../../src/protocol';
import { trace, context } from '@opentelemetry/api';
import { startTestServer, api } from '../helpers/server';
import { tracerProvider } from '../helpers/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

const kv = (o: Record<string, string | number>): KeyValue[] =>
  Object.entries(o).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } }));

/** V8's own call site of whoever called this: its file and line, by V8's structured stack API. */
function callerSite(): { file: string; line: number } {
  const prep = Error.prepareStackTrace;
  Error.prepareStackTrace = (_e, sites) => sites;
  const sites = new Error().stack as unknown as NodeJS.CallSite[];
  Error.prepareStackTrace = prep;
  return { file: sites[1]!.getFileName()!, line: sites[1]!.getLineNumber()! };
}

/** A real V8 stack, made on the same line as V8's own report of where that line is. */
function realStack(): { stack: string; file: string; line: number } {
  // eslint-disable-next-line prefer-const
  const [err, site] = [new Error('x'), callerSite()];
  return { stack: err.stack!, ...site };
}

test('Node: a real V8 stack gives the caller\'s file and line as V8 reports them; node_modules and node: frames are not the user\'s', () => {
  const r = realStack();
  const { frames, language } = parseStack(r.stack);
  assert.equal(language, 'node');
  const first = frames.find(isUserFrame)!;
  assert.equal(first.path, r.file);
  assert.equal(first.line, r.line);
  const runtime = parseStack('Error\n    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)').frames;
  assert.equal(runtime.length, 2);
  assert.equal(runtime.filter(isUserFrame).length, 0);
  assert.equal(isUserFrame({ path: '/app/node_modules/openai/core.js', line: 1 }), false);
  const esm = parseStack('Error\n    at async main (file:///home/me/app/agent%20v2.mjs:12:5)').frames[0]!;
  assert.deepEqual(esm, { path: '/home/me/app/agent v2.mjs', line: 12, column: 5, function: 'main' });
});

test('Python: the captured tracebacks locate the line of the app that raised, past the frameworks\' frames', () => {
  const found = new Map<string, string>();
  for (const name of captureNames()) {
    for (const r of truthOf(name).requests.filter((x) => x.path === '/v1/traces')) {
      let body = fs.readFileSync(path.join(CAPTURES_DIR, name, r.file));
      if (r.content_encoding === 'gzip') body = zlib.gunzipSync(body);
      for (const s of decodeTracesProto(body, scanKeys).spans) {
        const d = spanDetail(s);
        const stack = d.events.find((e) => e.name === 'exception');
        if (!stack) continue;
        const best = sourceLocations(d.attributes, d.events)[0];
        if (best) found.set(name, `${best.path}:${best.line} ${best.function} (${best.how}, ${best.confidence})`);
      }
    }
  }
  // Every capture whose refund failed with a traceback points at the app's issue_refund.
  assert.ok(found.size >= 3, JSON.stringify([...found]));
  for (const [name, where] of found) assert.match(where, /^\/tmp\/capture\/\w+\.py:\d+ issue_refund \(stack, 0\.6\)$/, name);
});

test('Java, Go and .NET stacks as their runtimes print them', () => {
  const java = parseStack(`java.lang.IllegalStateException: gateway timeout
\tat com.shop.agent.RefundTool.issue(RefundTool.java:42)
\tat com.shop.agent.Agent.run(Agent.java:108)
\tat java.base/java.util.concurrent.FutureTask.run(FutureTask.java:264)
\tat io.opentelemetry.javaagent.shaded.Foo.bar(Foo.java:1)`);
  assert.equal(java.language, 'java');
  assert.deepEqual(java.frames.filter(isUserFrame).map((f) => `${f.path}:${f.line} ${f.function}`),
    ['com/shop/agent/RefundTool.java:42 com.shop.agent.RefundTool.issue', 'com/shop/agent/Agent.java:108 com.shop.agent.Agent.run']);
  const go = parseStack(`goroutine 1 [running]:
main.lookupOrder({0x4b2a1c, 0x6})
\t/home/dev/shop/agent/tools.go:57 +0x1d
main.main()
\t/home/dev/shop/agent/main.go:23 +0x45
runtime.main()
\t/usr/local/go/src/runtime/proc.go:271 +0x29d`);
  assert.equal(go.language, 'go');
  assert.deepEqual(go.frames.filter(isUserFrame).map((f) => `${f.path}:${f.line} ${f.function}`),
    ['/home/dev/shop/agent/tools.go:57 main.lookupOrder', '/home/dev/shop/agent/main.go:23 main.main']);
  const net = parseStack(`System.TimeoutException: gateway timeout
   at Shop.Agent.RefundTool.Issue(String orderId) in /src/Shop.Agent/RefundTool.cs:line 31
   at Shop.Agent.Program.Main(String[] args) in /src/Shop.Agent/Program.cs:line 12
   at System.Threading.Tasks.Task.Execute() in /_/src/System.Private.CoreLib/Task.cs:line 2333`);
  assert.equal(net.language, 'dotnet');
  assert.deepEqual(net.frames.filter(isUserFrame).map((f) => `${f.path}:${f.line} ${f.function}`),
    ['/src/Shop.Agent/RefundTool.cs:31 Shop.Agent.RefundTool.Issue', '/src/Shop.Agent/Program.cs:12 Shop.Agent.Program.Main']);
});

test('code.* attributes in both generations come first; a code.stacktrace\'s innermost user frame next', () => {
  const current = sourceLocations(kv({ 'code.file.path': '/app/agent.py', 'code.line.number': 41, 'code.column.number': 9, 'code.function.name': 'plan' }));
  assert.deepEqual(current, [{ path: '/app/agent.py', line: 41, column: 9, function: 'plan', how: 'attribute', confidence: 1 }]);
  const older = sourceLocations(kv({ 'code.filepath': 'src/main/java/com/shop/Agent.java', 'code.lineno': 108, 'code.function': 'run', 'code.namespace': 'com.shop.Agent' }));
  assert.deepEqual(older, [{ path: 'src/main/java/com/shop/Agent.java', line: 108, function: 'com.shop.Agent.run', how: 'attribute', confidence: 1 }]);
  const stackOnly = sourceLocations(kv({ 'code.stacktrace': `Traceback (most recent call last):
  File "/app/agent.py", line 12, in <module>
    main()
  File "/app/agent.py", line 30, in main
    plan()
  File "/usr/lib/python3.11/site-packages/openai/_client.py", line 88, in create
    raise X` }));
  assert.deepEqual(stackOnly.map((l) => `${l.path}:${l.line} ${l.how} ${l.confidence}`), ['/app/agent.py:30 stack 0.9', '/app/agent.py:12 stack 0.5']);
  assert.deepEqual(sourceLocations(kv({ 'http.route': '/x' })), []);
});

test('paths from elsewhere map to workspace files: mappings first, then the longest unique tail', () => {
  const files = ['/home/me/shop/src/agent.py', '/home/me/shop/src/tools/refund.py', '/home/me/shop/tests/agent.py', '/home/me/shop/README.md'];
  assert.equal(mapPath('/app/src/agent.py', { files }), '/home/me/shop/src/agent.py', 'a container path, by its tail');
  assert.equal(mapPath('/app/tools/refund.py', { files }), '/home/me/shop/src/tools/refund.py');
  assert.equal(mapPath('/srv/x/agent.py', { files }), undefined, 'two files share only the name: no guess');
  assert.equal(mapPath('/workspace/src/agent.py', { files, mappings: [{ from: '/workspace', to: '/home/me/shop' }] }), '/home/me/shop/src/agent.py');
  assert.equal(mapPath('src\\tools\\refund.py', { files, roots: ['/home/me/shop'] }), '/home/me/shop/src/tools/refund.py', 'relative, with Windows separators');
});

test('the API sends a step\'s locations in genai.source', async () => {
  const server = await startTestServer({ dataDir: null });
  try {
    const { provider, tracer } = tracerProvider('located', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
    const s = tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini',
      'code.file.path': '/app/agent.py', 'code.line.number': 41, 'code.function.name': 'plan' } });
    s.end();
    await provider.forceFlush();
    const got = await api(server)<SpanDetailResponse>(`/api/traces/${s.spanContext().traceId}/spans/${s.spanContext().spanId}`);
    assert.deepEqual(got.span.genai?.source, [{ path: '/app/agent.py', line: 41, function: 'plan', how: 'attribute', confidence: 1 }]);
    await provider.shutdown();
  } finally {
    await server.close();
  }
});

test('a run\'s source (the Runs tree\'s "go to source") is its outermost located step, the earlier of equals', async () => {
  const server = await startTestServer({ dataDir: null });
  try {
    const { provider, tracer } = tracerProvider('located-run', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
    const at = (file: string, line: number) => ({ 'code.file.path': file, 'code.line.number': line });
    // A framework's root knows no source; two agents under it do (the first started is the run's
    // source), and the model call deeper down does too.
    const root = tracer.startSpan('POST /chat');
    const ctx = (s: ReturnType<typeof tracer.startSpan>) => trace.setSpan(context.active(), s);
    const first = tracer.startSpan('invoke_agent planner', { attributes: { 'gen_ai.operation.name': 'invoke_agent', ...at('/app/planner.py', 12) }, startTime: new Date(Date.now() - 2000) }, ctx(root));
    const llm = tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', ...at('/app/llm.py', 3) }, startTime: new Date(Date.now() - 3000) }, ctx(first));
    const second = tracer.startSpan('invoke_agent writer', { attributes: { 'gen_ai.operation.name': 'invoke_agent', ...at('/app/writer.py', 40) } }, ctx(root));
    for (const s of [llm, first, second, root]) s.end();
    const bare = tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat' } });
    bare.end();
    await provider.forceFlush();
    const tree = (id: string) => api(server)<TraceTreeResponse>(`/api/traces/${id}/tree`);
    assert.deepEqual(runSource(treeSpans(await tree(root.spanContext().traceId))), { path: '/app/planner.py', line: 12, how: 'attribute', confidence: 1 });
    assert.equal(runSource(treeSpans(await tree(bare.spanContext().traceId))), undefined);
    await provider.shutdown();
  } finally {
    await server.close();
  }
});
