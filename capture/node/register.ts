// Loaded into the user's Node app by `NODE_OPTIONS=--require …/capture-node.js` (the environment
// Agent Lens injects into the editor's terminals and debug sessions). It records where in the
// user's code each GenAI span was started: code.file.path, code.line.number, code.column.number,
// code.function.name and a short code.stacktrace of user frames, set at span start.
//
// How, with no dependency: it watches OpenTelemetry's global API registry. When the app registers
// its tracer provider (NodeSDK.start(), provider.register(), trace.setGlobalTracerProvider), the
// prototype of that SDK's Tracer gets a startSpan that stamps GenAI spans; instrumentations given
// the provider directly share that prototype. CommonJS and ES module apps alike.
//
// It must never break the app: without OpenTelemetry it does nothing, every failure of its own is
// caught and logged once, and AGENT_LENS_CAPTURE=0 turns it off.
import * as path from 'node:path';
import { isUserFrame, type Frame } from '../../src/source/stack';
import { Gate, gateFetch, gateTool } from './gate';
import { loadPlan, rerunFetch } from './rerun';

const KEY = Symbol.for('opentelemetry.js.api.1');
const PATCHED = Symbol.for('agent-lens.capture.patched');
const SELF = __filename;
/** Names of spans to stamp besides the GenAI conventions' (AGENT_LENS_CAPTURE_SPAN_NAMES, a regular expression). */
const EXTRA = (() => { try { return process.env.AGENT_LENS_CAPTURE_SPAN_NAMES ? new RegExp(process.env.AGENT_LENS_CAPTURE_SPAN_NAMES) : undefined; } catch { return undefined; } })();

let failed = false;
function fail(where: string, e: unknown): void {
  if (failed) return;
  failed = true;
  try { process.stderr.write(`agent-lens capture: ${where} failed (${(e as Error)?.message ?? e}); call sites are not recorded in this process\n`); } catch { /* nothing to do */ }
}

const GENAI_KEYS = ['gen_ai.operation.name', 'gen_ai.request.model', 'gen_ai.tool.name', 'gen_ai.agent.name', 'gen_ai.system', 'gen_ai.provider.name',
  'llm.request.type', 'openinference.span.kind', 'ai.operationId', 'traceloop.span.kind'];
const GENAI_NAME = /^(chat|text_completion|generate_content|embeddings|invoke_agent|create_agent|execute_tool|invoke_workflow)( |$)|^ai\.|^openai\.|^anthropic\./;

function isGenAi(name: string, attrs: Record<string, unknown> | undefined): boolean {
  if (attrs) for (const k of GENAI_KEYS) if (attrs[k] !== undefined) return true;
  return GENAI_NAME.test(name) || (EXTRA?.test(name) ?? false);
}

type SourceMapEntry = { originalSource?: string; originalLine?: number; originalColumn?: number };
type SourceMaps = { findSourceMap?(path: string): { findEntry(line: number, column: number): SourceMapEntry } | undefined };
const sourceMaps: SourceMaps = (() => { try { return require('node:module') as SourceMaps; } catch { return {}; } })();

/**
 * The original position of a compiled frame, when the app runs with source maps on (tsx, ts-node,
 * `node --enable-source-maps`): Node has then read the maps, and findSourceMap is a lookup. Off,
 * the compiled position stands (the helper does not turn them on: that would change the app's
 * own stack traces).
 */
function original(f: Frame): Frame {
  if (!(process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled || !sourceMaps.findSourceMap) return f;
  const e = sourceMaps.findSourceMap(f.path)?.findEntry(f.line - 1, (f.column ?? 1) - 1);
  if (!e?.originalSource || e.originalLine === undefined) return f;
  let path = e.originalSource;
  if (path.startsWith('file://')) { try { path = decodeURIComponent(new URL(path).pathname); } catch { return f; } }
  const out: Frame = { path, line: e.originalLine + 1, column: (e.originalColumn ?? 0) + 1 };
  if (f.function) out.function = f.function;
  return out;
}

type CallSite = { getFileName(): string | null; getLineNumber(): number | null; getColumnNumber(): number | null; getFunctionName(): string | null; getTypeName?(): string | null; getMethodName?(): string | null };

/** The user's frames of the current stack, innermost first, by V8's structured call sites. */
function userFrames(): Frame[] {
  const prep = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let sites: CallSite[] = [];
  try {
    Error.stackTraceLimit = 64;
    Error.prepareStackTrace = (_e, s) => s;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder);
    sites = holder.stack as CallSite[];
  } finally {
    Error.prepareStackTrace = prep;
    Error.stackTraceLimit = limit;
  }
  const out: Frame[] = [];
  for (const s of sites) {
    let file = s.getFileName();
    const line = s.getLineNumber();
    if (!file || !line || file === SELF) continue;
    if (file.startsWith('file://')) { try { file = decodeURIComponent(new URL(file).pathname); } catch { /* as it is */ } }
    const f: Frame = { path: file, line };
    const col = s.getColumnNumber();
    if (col) f.column = col;
    const fn = s.getFunctionName();
    if (fn) f.function = fn;
    const o = original(f);
    if (isUserFrame(o)) out.push(o);
    if (out.length === 8) break;
  }
  return out;
}

function stamp(span: { setAttribute?(k: string, v: unknown): unknown; isRecording?(): boolean }): void {
  if (typeof span?.setAttribute !== 'function' || (span.isRecording && !span.isRecording())) return;
  const frames = userFrames();
  const f = frames[0];
  if (!f) return;
  span.setAttribute('code.file.path', f.path);
  span.setAttribute('code.line.number', f.line);
  if (f.column) span.setAttribute('code.column.number', f.column);
  if (f.function) span.setAttribute('code.function.name', f.function);
  span.setAttribute('code.stacktrace', frames.map((x) => `    at ${x.function ? `${x.function} (${x.path}:${x.line}:${x.column ?? 0})` : `${x.path}:${x.line}:${x.column ?? 0}`}`).join('\n'));
}

/** Gives this SDK's Tracer a startSpan that stamps GenAI spans (once per prototype). */
function patchProvider(provider: { getTracer?(name: string): unknown } | undefined): void {
  try {
    const tracer = provider?.getTracer?.('agent-lens-capture');
    const proto = tracer && Object.getPrototypeOf(tracer);
    if (!proto || typeof proto.startSpan !== 'function' || proto[PATCHED]) return;
    const original = proto.startSpan as (this: unknown, name: string, options?: { attributes?: Record<string, unknown> }, ctx?: unknown) => unknown;
    proto.startSpan = function startSpan(this: unknown, name: string, options?: { attributes?: Record<string, unknown> }, ctx?: unknown) {
      const span = original.call(this, name, options, ctx);
      try {
        if (!failed && isGenAi(String(name), options?.attributes)) {
          if (options?.attributes?.['code.file.path'] === undefined) stamp(span as never);
          // (A re-run's spans name the run it re-runs.)
          if (rerunOf) (span as { setAttribute(k: string, v: unknown): unknown }).setAttribute('agent_lens.rerun_of', rerunOf);
        }
      } catch (e) { fail('recording a call site', e); }
      if (gate) { try { noteParent(span, ctx); } catch { /* a pause says no agent */ } }
      return span;
    };
    const originalActive = proto.startActiveSpan as ((this: unknown, name: string, ...rest: unknown[]) => unknown) | undefined;
    // (Only with the live gate on: every other app keeps its startActiveSpan as it was.)
    if (gate && typeof originalActive === 'function') {
      proto.startActiveSpan = function startActiveSpan(this: unknown, name: string, ...rest: unknown[]) {
        try { if (gate && (gate.breakpoints !== null || !gate.settled)) gateActive(gate, String(name), rest); } catch { /* the tool runs unpaused */ }
        return originalActive.call(this, name, ...rest);
      };
    }
    proto[PATCHED] = true;
  } catch (e) { fail('hooking the tracer', e); }
}

/**
 * startActiveSpan's arguments, its callback run by the gate when a breakpoint names the tool:
 * only an async callback, whose caller waits for a promise anyway (a synchronous one cannot wait
 * in Node without stopping the whole process).
 */
function gateActive(g: Gate, name: string, rest: unknown[]): void {
  const last = rest.length - 1;
  const fn = rest[last];
  const attrs = rest.length >= 2 ? (rest[0] as { attributes?: Record<string, unknown> } | undefined)?.attributes : undefined;
  // (The GenAI conventions' tool span, or the Vercel AI SDK's ai.toolCall.)
  const tool = typeof attrs?.['gen_ai.tool.name'] === 'string' ? attrs['gen_ai.tool.name'] as string
    : typeof attrs?.['ai.toolCall.name'] === 'string' ? attrs['ai.toolCall.name'] as string : /^execute_tool (.+)$/.exec(name)?.[1];
  if (!tool || typeof fn !== 'function' || fn.constructor?.name !== 'AsyncFunction') return;
  // (The gate is still connecting: the tool waits for it, 2 s at most, then is looked at again.)
  if (!g.settled) {
    const again = [...rest];
    rest[last] = (span: never) => g.whenReady().then(() => {
      try { gateActive(g, name, again); } catch { /* it runs unpaused */ }
      return (again[last] as (s: never) => Promise<unknown>)(span);
    });
    return;
  }
  const stop = g.wants('tool', tool);
  // Break on failed step: the tool's failure stops before it goes on to the app.
  const onFailure = g.breakpoints?.failed === true;
  if (!stop && !onFailure) return;
  // A call already stopped where the model asked for it runs now, or fails as chosen there.
  let failWith: string | undefined;
  let again = stop;
  let original: string | undefined;
  if (stop) {
    const before = g.takePausedCall(attrs?.['gen_ai.tool.call.id'] ?? attrs?.['ai.toolCall.id'], tool);
    if (before) {
      failWith = before.fail;
      original = before.original;
      if (failWith === undefined) again = false;
    }
  }
  const raw = attrs?.['gen_ai.tool.call.arguments'] ?? attrs?.['ai.toolCall.args'];
  let args: unknown = raw;
  if (typeof raw === 'string') { try { args = JSON.parse(raw); } catch { /* shown as it is */ } }
  rest[last] = (span: never) => {
    // The recording says the developer edited this call, and what the model had asked.
    if (original !== undefined) {
      try {
        const s = span as { setAttribute(k: string, v: unknown): unknown };
        s.setAttribute('agent_lens.edited', true);
        s.setAttribute('agent_lens.original_arguments', original.slice(0, 65_536));
      } catch { /* the tool runs all the same */ }
    }
    const run = () => (fn as (s: never) => Promise<unknown>)(span);
    const watched = !onFailure ? run : () => run().catch(async (e: unknown) => {
      if (g.breakpoints?.failed) await g.pause({ kind: 'tool', name: tool, input: args, via: 'startActiveSpan', failed: String((e as Error)?.message ?? e) });
      throw e;
    });
    return again ? gateTool(g, tool, args, span, watched, failWith) : watched();
  };
}

const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

/** The span active where the app is now, through the OpenTelemetry API it registered (none without one). */
function activeSpan(): { setAttribute(k: string, v: unknown): unknown } | undefined {
  const registry = (globalThis as Record<symbol, unknown>)[KEY] as { context?: { active?(): { getValue?(k: symbol): unknown } } } | undefined;
  const span = registry?.context?.active?.()?.getValue?.(SPAN_KEY) as { setAttribute?: unknown } | undefined;
  return typeof span?.setAttribute === 'function' ? span as { setAttribute(k: string, v: unknown): unknown } : undefined;
}

/** The live gate, when the editor asked for one (AGENT_LENS_LIVE_URL): see gate.ts. */
let gate: Gate | undefined;

/**
 * Each span's parent span, while the gate is on (a span knows only its parent's ids): a pause
 * says which agent it is in, the nearest span up the chain whose attributes name one
 * (`gen_ai.agent.name`, set at start or later). The debugger's threads are per process and agent.
 * (Weak: a span that is done and exported goes, and its entry with it.)
 */
const parents = new WeakMap<object, object>();
function noteParent(span: unknown, ctx: unknown): void {
  if (!span || typeof span !== 'object') return;
  const parent = contextSpan(ctx ?? activeContext());
  if (parent && parent !== span) parents.set(span, parent);
}

function agentOf(span: object): string | undefined {
  let s: object | undefined = span;
  for (let k = 0; s && k < 64; k++, s = parents.get(s)) {
    const a = (s as { attributes?: Record<string, unknown> }).attributes?.['gen_ai.agent.name'];
    if (typeof a === 'string' && a) return a;
  }
  return undefined;
}

function activeContext(): unknown {
  const registry = (globalThis as Record<symbol, unknown>)[KEY] as { context?: { active?(): unknown } } | undefined;
  return registry?.context?.active?.();
}

function contextSpan(ctx: unknown): object | undefined {
  const span = (ctx as { getValue?(k: symbol): unknown } | undefined)?.getValue?.(SPAN_KEY);
  return span && typeof span === 'object' ? span : undefined;
}

/** Where the app is now, for a pause: the active span's run and id, and its agent. */
function whereNow(): { traceId?: string; spanId?: string; agent?: string; source?: { path: string; line: number; column?: number } } | undefined {
  const span = contextSpan(activeContext()) as { spanContext?(): { traceId?: string; spanId?: string }; attributes?: Record<string, unknown> } | undefined;
  if (!span) return undefined;
  const sc = typeof span.spanContext === 'function' ? span.spanContext() : undefined;
  const agent = agentOf(span);
  // The span's call site, as the helper stamped it when the span started.
  const a = span.attributes;
  const file = a?.['code.file.path'], line = a?.['code.line.number'], column = a?.['code.column.number'];
  const source = typeof file === 'string' && typeof line === 'number' ? { path: file, line, ...(typeof column === 'number' ? { column } : {}) } : undefined;
  return { ...(sc?.traceId ? { traceId: sc.traceId, spanId: sc.spanId } : {}), ...(agent ? { agent } : {}), ...(source ? { source } : {}) };
}

function startGate(): void {
  const url = process.env.AGENT_LENS_LIVE_URL;
  if (!url || process.env.AGENT_LENS_LIVE === '0' || process.env.AGENT_LENS_CAPTURE === '0') return;
  // One gate a process, in its main thread: workers (and the module loader's hooks thread, which
  // runs this helper too) have none.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!(require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread) return;
  const seconds = Number(process.env.AGENT_LENS_LIVE_PAUSE_TIMEOUT_SECONDS);
  const timeoutMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : 600) * 1000;
  const service = process.env.OTEL_SERVICE_NAME ?? (process.argv[1] ? process.argv[1].split(/[\\/]/).pop()! : 'node');
  const log = (line: string) => { try { process.stderr.write(`agent-lens ${line}\n`); } catch { /* nothing to do */ } };
  gate = new Gate(url, process.env.AGENT_LENS_TOKEN ?? '', timeoutMs, log, service);
  gate.where = whereNow;
  gate.start();
  // (For a look from inside the app: whether it is connected, and the breakpoints it heard.)
  (globalThis as Record<symbol, unknown>)[Symbol.for('agent-lens.gate')] = gate;
  // (Its failures are its own: they leave call-site recording on.)
  const said = new Set<string>();
  gateFetch(gate, activeSpan, (where, e) => { if (!said.has(where)) { said.add(where); log(`live gate: ${where} failed (${(e as Error)?.message ?? e}); the call went on unchanged (said once)`); } });
  hookAgentsSdk(gate);
}

/**
 * The OpenAI Agents SDK runs its function tools without an OpenTelemetry span, so a tool failed
 * from the debugger where the model asked for it would run anyway. Its `tool()` is wrapped as its
 * module loads: the tool's `execute` first takes the call stopped in the answer, and raises the
 * debugger's message when it was failed there (the SDK tells the model, as for any tool error).
 * - CommonJS apps: `Module._load` hands back the SDK's exports with `tool` replaced.
 * - ES-module apps: an ES module's exports cannot be replaced, so a module loader hook
 *   (`module.register`) rewrites the one line that declares `tool` in the SDK's dist/tool.mjs to
 *   call the wrapper below (through a global symbol). The hook is registered only when the app can
 *   import the SDK (a loader thread costs every app's module loading a little); a file that does
 *   not read as expected is left as it is, and the tool then runs when failed (its edits still apply).
 */
const AGENTS_TOOL = Symbol.for('agent-lens.agents.tool');
const AGENTS_TOOL_DECL = 'export function tool(options) {';

/** The loader hook (an ES module, given as a data: URL so nothing more is shipped). */
const AGENTS_HOOKS = `
export async function load(url, context, nextLoad) {
  const r = await nextLoad(url, context);
  if (!/[/]@openai[/]agents-core[/]dist[/]tool[.]mjs$/.test(url) || r.source == null) return r;
  const src = typeof r.source === 'string' ? r.source : new TextDecoder().decode(r.source);
  const decl = ${JSON.stringify(AGENTS_TOOL_DECL)};
  if (src.split(decl).length !== 2 || src.includes('agentLensOriginalTool')) return r;
  return { ...r, source: src.replace(decl, 'function agentLensOriginalTool(options) {') +
    '\\nexport function tool(options) { const h = globalThis[Symbol.for("agent-lens.agents.tool")]; return typeof h === "function" ? h(agentLensOriginalTool, options) : agentLensOriginalTool(options); }\\n' };
}`;

function hookAgentsSdk(g: Gate): void {
  // The SDK's tool(), wrapped: (its original, the app's options) → the tool.
  const wrapTool = (original: (options: Record<string, unknown>) => unknown, options: Record<string, unknown>): unknown => {
    const execute = options?.execute;
    if (typeof execute !== 'function') return original(options);
    const name = typeof options.name === 'string' ? options.name : (execute as { name?: string }).name ?? '';
    return original({
      ...options,
      execute: (input: unknown, context: unknown, details?: { toolCall?: { callId?: unknown } }) => {
        const before = g.takePausedCall(details?.toolCall?.callId, name);
        if (before?.fail !== undefined) return Promise.reject(new Error(before.fail));
        return (execute as (...a: unknown[]) => unknown).call(options, input, context, details);
      },
    });
  };
  (globalThis as Record<symbol, unknown>)[AGENTS_TOOL] = wrapTool;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as {
    _load?: (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
    register?: (specifier: string) => void;
  };
  try {
    // (Only for an app that can import the SDK, from where it runs or where its script is.)
    const from = [process.cwd(), ...(process.argv[1] ? [path.dirname(path.resolve(process.argv[1]))] : [])];
    if (typeof Module.register === 'function') {
      require.resolve('@openai/agents-core', { paths: from });
      Module.register(`data:text/javascript,${encodeURIComponent(AGENTS_HOOKS)}`);
    }
  } catch { /* not installed there (or no loader hooks in this Node): nothing to hook */ }
  const load = Module._load;
  if (typeof load !== 'function') return;
  let done = false;
  Module._load = function (this: unknown, request: string, parent: { filename?: string } | undefined, isMain: boolean) {
    const exp = load.call(this, request, parent, isMain) as { tool?: unknown; invokeFunctionTool?: unknown } | undefined;
    if (!done && exp && typeof exp.tool === 'function' && typeof exp.invokeFunctionTool === 'function') {
      try {
        if (/[\\/]@openai[\\/]agents-core[\\/]dist[\\/]/.test(parent?.filename ?? '')) {
          done = true;
          const original = exp.tool as (options: Record<string, unknown>) => unknown;
          exp.tool = function tool(this: unknown, options: Record<string, unknown>) { return wrapTool((o) => original.call(this, o), options); };
        }
      } catch { /* the SDK stays as it is */ }
    }
    return exp;
  };
}

/** Watches `registry.trace`: the API sets its proxy provider there, then hands it the app's provider. */
function watchRegistry(registry: Record<string, unknown>): void {
  let trace = registry.trace as { setDelegate?(p: unknown): void; getDelegate?(): unknown } | undefined;
  const hook = (proxy: typeof trace) => {
    if (!proxy || typeof proxy.setDelegate !== 'function' || (proxy as Record<symbol, unknown>)[PATCHED]) return;
    const set = proxy.setDelegate.bind(proxy);
    proxy.setDelegate = (p: unknown) => { set(p); patchProvider(p as never); };
    (proxy as Record<symbol, unknown>)[PATCHED] = true;
    if (typeof proxy.getDelegate === 'function') patchProvider(proxy.getDelegate() as never);
  };
  hook(trace);
  Object.defineProperty(registry, 'trace', {
    configurable: true, enumerable: true,
    get: () => trace,
    set: (v) => { trace = v; try { hook(v); } catch (e) { fail('watching the provider', e); } },
  });
}

function install(): void {
  if (process.env.AGENT_LENS_CAPTURE === '0') return;
  const g = globalThis as Record<symbol, unknown>;
  const existing = g[KEY] as Record<string, unknown> | undefined;
  if (existing) { watchRegistry(existing); return; }
  let registry: Record<string, unknown> | undefined;
  Object.defineProperty(g, KEY, {
    configurable: true, enumerable: false,
    get: () => registry,
    set: (v) => {
      registry = v;
      try { if (v && typeof v === 'object') watchRegistry(v as Record<string, unknown>); } catch (e) { fail('watching the OpenTelemetry API', e); }
    },
  });
}

/** The run this process re-runs (AGENT_LENS_RERUN_FILE): see rerun.ts. */
let rerunOf: string | undefined;

function startRerun(): void {
  const file = process.env.AGENT_LENS_RERUN_FILE;
  if (!file || process.env.AGENT_LENS_CAPTURE === '0') return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!(require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread) return;
  const log = (line: string) => { try { process.stderr.write(`agent-lens ${line}\n`); } catch { /* nothing to do */ } };
  const plan = loadPlan(file, log);
  if (!plan) return;
  rerunOf = plan.traceId;
  rerunFetch(plan, activeSpan, log, process.env.AGENT_LENS_RERUN_REPORT || undefined);
}

// (The gate first: a provider already registered is patched at once by install, tools included.)
try { startGate(); } catch (e) { try { process.stderr.write(`agent-lens live gate: could not start (${(e as Error)?.message ?? e}); calls are not paused in this process\n`); } catch { /* nothing to do */ } }
// (The re-run after the gate: its fetch is in front, so an answer from the recording never pauses.)
try { startRerun(); } catch (e) { try { process.stderr.write(`agent-lens re-run: could not start (${(e as Error)?.message ?? e}); every model call goes to the model\n`); } catch { /* nothing to do */ } }
try { install(); } catch (e) { fail('starting', e); }
