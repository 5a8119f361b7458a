// The Node call-site helper's cost per GenAI span: the same spans started and ended by the real
// SDK in two processes, one with `--require dist/capture-node.js` and one without (the reference),
// each the median of five passes. Also a plain (non-GenAI) span, which the helper leaves alone.
// The Python helper the same way, where python3 imports the OpenTelemetry SDK (skipped elsewhere).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const HELPER = path.join(__dirname, '..', 'dist', 'capture-node.js');
const PY_HELPER_DIR = path.join(__dirname, '..', 'dist', 'capture-python');

/** The Python measurement: the same three-deep calls, the real SDK, an in-memory exporter. */
const PY_MEASURE = `
import json, time
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
memory = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(memory))
tracer = provider.get_tracer("bench")
attrs = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.provider.name": "openai"}
def inner(genai):
    tracer.start_span("chat gpt-4o-mini" if genai else "GET /x", attributes=attrs if genai else None).end()
def middle(genai): inner(genai)
def outer(genai): middle(genai)
N = 20000
def run(genai):
    for _ in range(2000): outer(genai)
    memory.clear()
    t = time.perf_counter_ns()
    for i in range(N):
        outer(genai)
        if i % 1000 == 999: memory.clear()
    return (time.perf_counter_ns() - t) / 1000 / N
genai = run(True)
memory.clear(); outer(True)
stamped = "code.file.path" in (memory.get_finished_spans()[0].attributes or {})
plain = run(False)
print(json.dumps({"genai": genai, "plain": plain, "stamped": stamped}))
`;
const N = 20_000;

/** In a child: µs per span for GenAI spans and for plain spans, started a few calls deep in "user" code. */
function measure(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { trace, context } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const memory = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] }));
  const tracer = trace.getTracer('bench');
  const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.provider.name': 'openai' };
  const inner = (genai: boolean) => tracer.startSpan(genai ? 'chat gpt-4o-mini' : 'GET /x', genai ? { attributes: attrs } : {}, context.active()).end();
  const middle = (genai: boolean) => inner(genai);
  const outer = (genai: boolean) => middle(genai);
  const run = (genai: boolean) => {
    for (let i = 0; i < 2000; i++) outer(genai); // warm up
    memory.reset();
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) { outer(genai); if (i % 1000 === 999) memory.reset(); }
    return Number(process.hrtime.bigint() - t) / 1000 / N;
  };
  const genai = run(true);
  memory.reset();
  outer(true);
  const stamped = memory.getFinishedSpans()[0]?.attributes['code.file.path'] !== undefined;
  const plain = run(false);
  process.stdout.write(JSON.stringify({ genai, plain, stamped }));
}

function main(): void {
  const pass = (withHelper: boolean) => {
    const r = JSON.parse(execFileSync(process.execPath, [...(withHelper ? ['--require', HELPER] : []), __filename], { env: { ...process.env, BENCH_CAPTURE_CHILD: '1' } }).toString()) as { genai: number; plain: number; stamped: boolean };
    // The measurement means something only if the helper stamped the spans it was given, and only those.
    if (r.stamped !== withHelper) throw new Error(`spans ${r.stamped ? 'were' : 'were not'} stamped ${withHelper ? 'with' : 'without'} the helper`);
    return r;
  };
  const runs = { off: [] as { genai: number; plain: number }[], on: [] as { genai: number; plain: number }[] };
  for (let i = 0; i < 5; i++) { runs.off.push(pass(false)); runs.on.push(pass(true)); }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[2]!;
  const off = { genai: med(runs.off.map((r) => r.genai)), plain: med(runs.off.map((r) => r.plain)) };
  const on = { genai: med(runs.on.map((r) => r.genai)), plain: med(runs.on.map((r) => r.plain)) };
  process.stdout.write([
    `capture helper benchmark: ${N.toLocaleString('en-US')} spans started and ended with the real SDK, median of 5 passes (node ${process.version})`,
    `  GenAI span   without the helper ${off.genai.toFixed(1)} µs   with it ${on.genai.toFixed(1)} µs   (+${(on.genai - off.genai).toFixed(1)} µs, ${(on.genai / off.genai).toFixed(2)}x)`,
    `  plain span   without the helper ${off.plain.toFixed(1)} µs   with it ${on.plain.toFixed(1)} µs   (${(on.plain / off.plain).toFixed(2)}x: left alone)`,
    '',
  ].join('\n'));
  python();
}

function python(): void {
  const probe = spawnSync('python3', ['-c', 'import opentelemetry.sdk.trace'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    process.stdout.write('python capture helper benchmark: skipped (python3 cannot import the OpenTelemetry SDK here)\n');
    return;
  }
  // A file, as an app is: code from `python -c` has no file to point at, so nothing is stamped there.
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'al-bench-py-')), 'bench_app.py');
  fs.writeFileSync(script, PY_MEASURE);
  const pass = (withHelper: boolean) => {
    const pythonPath = [...(withHelper ? [PY_HELPER_DIR] : []), ...(process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [])].join(path.delimiter);
    const r = JSON.parse(execFileSync('python3', [script], { env: { ...process.env, PYTHONPATH: pythonPath } }).toString()) as { genai: number; plain: number; stamped: boolean };
    if (r.stamped !== withHelper) throw new Error(`Python spans ${r.stamped ? 'were' : 'were not'} stamped ${withHelper ? 'with' : 'without'} the helper`);
    return r;
  };
  const off: { genai: number; plain: number }[] = [], on: { genai: number; plain: number }[] = [];
  for (let i = 0; i < 5; i++) { off.push(pass(false)); on.push(pass(true)); }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[2]!;
  const o = { genai: med(off.map((r) => r.genai)), plain: med(off.map((r) => r.plain)) };
  const w = { genai: med(on.map((r) => r.genai)), plain: med(on.map((r) => r.plain)) };
  const version = spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim();
  process.stdout.write([
    `python capture helper benchmark: 20,000 spans started and ended with the real SDK, median of 5 passes (${version})`,
    `  GenAI span   without the helper ${o.genai.toFixed(1)} µs   with it ${w.genai.toFixed(1)} µs   (+${(w.genai - o.genai).toFixed(1)} µs, ${(w.genai / o.genai).toFixed(2)}x)`,
    `  plain span   without the helper ${o.plain.toFixed(1)} µs   with it ${w.plain.toFixed(1)} µs   (${(w.plain / o.plain).toFixed(2)}x: left alone)`,
    '',
  ].join('\n'));
}

/**
 * In a child: µs per model call through the global fetch, the app's own fetch a stub that answers
 * at once (installed before the helper by --require, so the helper wraps it): what the live gate
 * adds to each call when it does not stop it.
 */
async function measureGate(): Promise<void> {
  // Give the gate its connection and its breakpoints first.
  await new Promise((r) => setTimeout(r, 1000));
  const messages = Array.from({ length: 20 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `Turn ${i}: plan a weekend in Lisbon, the weather and a cheap flight from Berlin, please.` }));
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages, tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }] }) };
  const url = 'http://127.0.0.1:9/v1/chat/completions';
  const M = 100_000;
  for (let i = 0; i < 5000; i++) await fetch(url, init);
  const t = process.hrtime.bigint();
  for (let i = 0; i < M; i++) await fetch(url, init);
  const gated = (globalThis.fetch as unknown as Record<symbol, unknown>)[Symbol.for('agent-lens.gate.patched')] === true;
  const gate = (globalThis as Record<symbol, unknown>)[Symbol.for('agent-lens.gate')] as { connected: boolean; breakpoints: unknown } | undefined;
  process.stdout.write(JSON.stringify({ us: Number(process.hrtime.bigint() - t) / 1000 / M, gated, connected: gate?.connected ?? false, breakpoints: gate?.breakpoints ?? null }));
}

/**
 * A receiver in this process, and `series` measured in the two states a gate lets calls through:
 * no editor attached, then an editor whose breakpoints name other calls.
 */
type Srv = import('../src/server/server').RunningServer;

async function inGateStates<T>(series: (srv: Srv, want: 'none' | 'other') => Promise<T>): Promise<{ none: T; other: T }> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { startServer, defaultOptions } = require('../src/server/server') as typeof import('../src/server/server');
  const WebSocket = require('ws') as typeof import('ws');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const srv = await startServer(defaultOptions({ httpPort: 0, grpcPort: 0, dataDir: null, token: 'bench-token', log: () => {} }));
  const none = await series(srv, 'none');
  const editor = new WebSocket(`ws://127.0.0.1:${srv.httpPort}/ws?token=${srv.token}`);
  await new Promise((r) => editor.once('open', r));
  editor.send(JSON.stringify({ type: 'live', breakpoints: { tools: ['book_flight'], models: ['claude-sonnet-4'] } }));
  await new Promise((r) => setTimeout(r, 200));
  const other = await series(srv, 'other');
  editor.close();
  await srv.close();
  return { none, other };
}

/** The live gate's cost per model call it lets through: no editor attached, and an editor whose breakpoints name another model. */
async function gate(): Promise<void> {
  const stub = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'al-bench-gate-')), 'stubFetch.cjs');
  fs.writeFileSync(stub, 'const answer = Promise.resolve({ ok: true, status: 200 });\nglobalThis.fetch = function fetch() { return answer; };\n');
  // (Run without blocking: the receiver is in this process, and the children's gates connect to it.)
  const run = promisify(execFile);
  const pass = async (srv: Srv, helper: boolean, want: 'none' | 'other') => {
    const { stdout } = await run(process.execPath, ['--require', stub, ...(helper ? ['--require', HELPER] : []), __filename], {
      env: { ...process.env, BENCH_GATE_CHILD: '1', AGENT_LENS_LIVE_URL: `ws://127.0.0.1:${srv.httpPort}/live`, AGENT_LENS_TOKEN: srv.token },
    });
    const r = JSON.parse(stdout) as { us: number; gated: boolean; connected: boolean; breakpoints: unknown };
    // (The figure means something only if the calls went through the gate, connected and told
    // the breakpoints of the state measured, and only with the helper.)
    if (r.gated !== helper) throw new Error(`fetch ${r.gated ? 'was' : 'was not'} gated ${helper ? 'with' : 'without'} the helper`);
    if (helper && (!r.connected || (want === 'none') !== (r.breakpoints === null))) throw new Error(`the gate was ${r.connected ? '' : 'not '}connected, with breakpoints ${JSON.stringify(r.breakpoints)}`);
    return r.us;
  };
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[2]!;
  const { none, other } = await inGateStates(async (srv, want) => { const off: number[] = [], on: number[] = []; for (let i = 0; i < 5; i++) { off.push(await pass(srv, false, want)); on.push(await pass(srv, true, want)); } return { off: med(off), on: med(on) }; });
  process.stdout.write([
    'live gate benchmark: 100,000 model calls (a 2 kB chat request) through the global fetch, the app\'s fetch a stub answering at once, median of 5 passes',
    `  no editor attached            without the helper ${none.off.toFixed(2)} µs   with it ${none.on.toFixed(2)} µs   (+${(none.on - none.off).toFixed(2)} µs a call, goal < 5)`,
    `  breakpoints on other calls    without the helper ${other.off.toFixed(2)} µs   with it ${other.on.toFixed(2)} µs   (+${(other.on - other.off).toFixed(2)} µs a call, goal < 5)`,
    '',
  ].join('\n'));
}

/**
 * The Python gate's cost per call it lets through (standard library only, so it runs wherever
 * python3 does): a client method with the SDKs' calling convention (keyword arguments, a 20-turn
 * chat), wrapped as the gate wraps openai's, and a framework's tool function wrapped as the gate
 * wraps the Agents SDK's and Strands' tools; the reference is the same calls unwrapped in the same
 * process, so the gate's thread and connection are there for both.
 */
const PY_GATE_MEASURE = `
import json, sys, time
import agent_lens_gate as live
gate = live.current
want = sys.argv[1]
for _ in range(100):
    if gate.settled.is_set() and (gate.breakpoints is None) == (want == "none"):
        break
    time.sleep(0.05)
class Completions(object):
    def create(self, *, model, messages, tools=None, temperature=1.0, timeout=None):
        return ANSWER
class Gated(Completions):
    pass
ANSWER = type("Answer", (), {"choices": []})()
live._wrap_model(gate, Gated, "create", "openai chat.completions.create", False)
def get_weather(city, unit="celsius"):
    return city
tool = live._gated_tool_function(gate, get_weather, "get_weather")
messages = [{"role": "assistant" if i % 2 else "user", "content": "Turn %d: plan a weekend in Lisbon, the weather and a cheap flight from Berlin, please." % i} for i in range(20)]
tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
N = 100000
def per_call(f):
    for _ in range(5000): f()
    t = time.perf_counter_ns()
    for _ in range(N): f()
    return (time.perf_counter_ns() - t) / 1000 / N
plain, gated = Completions(), Gated()
out = {
    "model_off": per_call(lambda: plain.create(model="gpt-4o-mini", messages=messages, tools=tools, temperature=0.2)),
    "model_on": per_call(lambda: gated.create(model="gpt-4o-mini", messages=messages, tools=tools, temperature=0.2)),
    "tool_off": per_call(lambda: get_weather(city="Lisbon")),
    "tool_on": per_call(lambda: tool(city="Lisbon")),
    "connected": gate.connected, "breakpoints": gate.breakpoints,
}
print(json.dumps(out))
`;

/** The Python gate's cost per call it lets through: no editor attached, and an editor whose breakpoints name other calls. */
async function pythonGate(): Promise<void> {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    process.stdout.write('python live gate benchmark: skipped (no python3 here)\n');
    return;
  }
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'al-bench-pygate-')), 'gate_app.py');
  fs.writeFileSync(script, PY_GATE_MEASURE);
  const run = promisify(execFile);
  type R = { model_off: number; model_on: number; tool_off: number; tool_on: number; connected: boolean; breakpoints: unknown };
  const pass = async (srv: Srv, want: 'none' | 'other') => {
    const { stdout } = await run('python3', [script, want], {
      env: { ...process.env, PYTHONPATH: PY_HELPER_DIR, AGENT_LENS_LIVE_URL: `ws://127.0.0.1:${srv.httpPort}/live`, AGENT_LENS_TOKEN: srv.token },
    });
    const r = JSON.parse(stdout) as R;
    // (The figure means something only if the gate was connected and told the breakpoints of the state measured.)
    if (!r.connected || (want === 'none') !== (r.breakpoints === null)) throw new Error(`the Python gate was ${r.connected ? '' : 'not '}connected, with breakpoints ${JSON.stringify(r.breakpoints)}`);
    return r;
  };
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[2]!;
  const { none, other } = await inGateStates(async (srv, want) => {
    const rs: R[] = [];
    for (let i = 0; i < 5; i++) rs.push(await pass(srv, want));
    const m = (k: keyof R) => med(rs.map((r) => r[k] as number));
    return { model: m('model_on') - m('model_off'), modelOff: m('model_off'), tool: m('tool_on') - m('tool_off'), toolOff: m('tool_off') };
  });
  const line = (label: string, x: typeof none) =>
    `  ${label.padEnd(28)}  model call +${x.model.toFixed(2)} µs (of ${x.modelOff.toFixed(2)})   tool +${x.tool.toFixed(2)} µs (of ${x.toolOff.toFixed(2)})   goal < 5`;
  process.stdout.write([
    `python live gate benchmark: 100,000 calls each, a 20-turn chat at a client method and a tool function, unwrapped as the reference, median of 5 passes (${probe.stdout.trim()})`,
    line('no editor attached', none),
    line('breakpoints on other calls', other),
    '',
  ].join('\n'));
}

if (process.env.BENCH_CAPTURE_CHILD) measure();
else if (process.env.BENCH_GATE_CHILD) void measureGate();
else { main(); void gate().then(pythonGate); }
