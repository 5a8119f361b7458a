// `agent-lens serve | import | status`: the trace server's command line.
import { parseArgs } from 'node:util';
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import { defaultOptions, startServer, PortInUseError, SERVER_VERSION, HEAP_GROWING_PERCENT, MIN_MEMORY_MB, type ServerOptions } from './server/server';
import { readState, removeState, writeState, defaultDataDir } from './stateFile';
import { importFiles } from './server/importer';
import { parsePriceOverrides, setPriceOverrides } from './genai/pricing';
import { FailureLog } from './server/guard';
import { rerun } from './rerun';

const HELP = `agent-lens ${SERVER_VERSION}: a local OpenTelemetry receiver and trace viewer for LLM agents

usage:
  agent-lens serve [options]     run the trace server in the foreground
  agent-lens import FILE...      load OTLP JSON / JSON lines / protobuf files
  agent-lens status [--json]     show the running server, if any (its UI address with the token)
  agent-lens mcp [--url U]        the runs as MCP tools over stdio, for an assistant (Claude Code,
                                 Cursor, …): it asks the running trace server (or the one at U,
                                 with $AGENT_LENS_TOKEN)
  agent-lens rerun TRACE_ID (--from SPAN_ID | --all) [--url U] [-- COMMAND ARGS...]
                                 run the app again (COMMAND, or the command line the run recorded)
                                 with the model calls before step SPAN_ID answered from the
                                 recording, the rest by the model; --all answers every call from the
                                 recording (offline, nothing spent). A call that now asks something
                                 else goes to the model, and the app's stderr says so.

serve options:
  --http-port N        OTLP/HTTP, API and UI port (default 4318; 0 = any free port)
  --grpc-port N        OTLP/gRPC port (default 4317; 0 = any free port)
  --host H             address to listen on (default 127.0.0.1; anything else exposes your traces and
                       accepts any Host header)
  --cors-origin O      also let browser pages of origin O send OTLP and read the API (repeatable;
                       loopback pages and VS Code webviews may already send OTLP)
  --data-dir D         where accepted data is kept (default ${defaultDataDir()})
  --no-persist         keep everything in memory only
  --max-memory-mb N    memory the receiver may use (RSS): past what it leaves for stored runs, the
                       oldest runs are evicted from memory (default 512, at least ${MIN_MEMORY_MB})
  --max-disk-mb N      disk for stored data before the oldest files are dropped (default 2048)
  --retention-days N   drop stored data older than this (default 7)
  --orphan-exit-minutes N  exit after N idle minutes once another server has taken over the state
                       file (nobody can find this one): no live clients, no OTLP data (default 10; 0 = never)
  --idle-exit-minutes N  exit after N minutes with no live clients (an open editor is one) and no
                       OTLP data, freeing the ports (default 0 = never; the extension passes its setting)
  --token T            API token (default: $AGENT_LENS_TOKEN or a random one)
  --prices FILE        price overrides: [{"model", "input", "output", "cacheRead"?, "cacheWrite"?}] in USD per million tokens
  --json               print one machine-readable line when ready (or on failure)
`;

function num(v: string | undefined, name: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} wants a non-negative number, got "${v}"`);
  return n;
}

function fail(msg: string, code = 2): never {
  process.stderr.write(`agent-lens: ${msg}\n`);
  process.exit(code);
}

async function serve(argv: string[]): Promise<void> {
  // V8 lets the heap grow to about twice what is live before a full collection: a receiver with
  // 256 MB of runs peaked at 629 MB of RSS. Growing by half instead peaked at 489 MB with the same
  // ingest rate (--optimize-for-size reached 372 MB but halved ingest; 20% cost a fifth of it).
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const { values } = parseArgs({
    args: argv, allowPositionals: false, strict: true,
    options: {
      'http-port': { type: 'string' }, 'grpc-port': { type: 'string' }, host: { type: 'string' },
      'data-dir': { type: 'string' }, 'no-persist': { type: 'boolean' }, 'max-memory-mb': { type: 'string' },
      'max-disk-mb': { type: 'string' }, 'retention-days': { type: 'string' }, token: { type: 'string' },
      'orphan-exit-minutes': { type: 'string' }, 'idle-exit-minutes': { type: 'string' },
      prices: { type: 'string' }, json: { type: 'boolean' }, 'cors-origin': { type: 'string', multiple: true },
    },
  });
  const json = !!values.json;
  const log = (m: string) => process.stderr.write(`agent-lens: ${m}\n`);
  // Whatever escapes a handler is logged and the server goes on serving: a receiver that exits
  // loses what every app sends it until someone notices.
  const failures = new FailureLog(log);
  process.on('uncaughtException', (e) => failures.report('uncaught exception', e));
  process.on('unhandledRejection', (e) => failures.report('unhandled rejection', e));
  const corsOrigins = values['cors-origin'] ?? [];
  for (const o of corsOrigins) if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(o)) fail(`--cors-origin wants an origin such as http://localhost:5173 (scheme://host[:port], no path), got "${o}"`);
  if (values.prices) {
    try {
      setPriceOverrides(parsePriceOverrides(JSON.parse(fs.readFileSync(values.prices, 'utf8'))));
    } catch (e) {
      fail(`--prices ${values.prices}: ${(e as Error).message}`);
    }
  }
  const d = defaultOptions();
  const opts: ServerOptions = {
    ...d,
    host: values.host ?? d.host,
    httpPort: num(values['http-port'], 'http-port', d.httpPort),
    grpcPort: num(values['grpc-port'], 'grpc-port', d.grpcPort),
    dataDir: values['no-persist'] ? null : values['data-dir'] ?? d.dataDir,
    token: values.token ?? d.token,
    maxMemoryBytes: num(values['max-memory-mb'], 'max-memory-mb', d.maxMemoryBytes / 1048576) * 1048576,
    maxDiskBytes: num(values['max-disk-mb'], 'max-disk-mb', d.maxDiskBytes / 1048576) * 1048576,
    retentionMs: num(values['retention-days'], 'retention-days', d.retentionMs / 86400000) * 86400000,
    allowedOrigins: corsOrigins,
    log,
  };
  if (opts.maxMemoryBytes < MIN_MEMORY_MB * 1048576) fail(`--max-memory-mb wants at least ${MIN_MEMORY_MB}: the receiver itself takes about 100 MB`);
  let server;
  try {
    server = await startServer(opts);
  } catch (e) {
    if (e instanceof PortInUseError) {
      const other = readState();
      const hint = other && (other.httpPort === e.port || other.grpcPort === e.port)
        ? ` It is an Agent Lens server already running (pid ${other.pid}, UI ${other.uiUrl}).` : '';
      if (json) process.stdout.write(JSON.stringify({ event: 'error', code: 'port-in-use', port: e.port, suggestion: e.suggestion ?? null, message: e.message + hint }) + '\n');
      fail(e.message + hint);
    }
    if (json) process.stdout.write(JSON.stringify({ event: 'error', code: 'start-failed', message: (e as Error).message }) + '\n');
    fail(`could not start: ${(e as Error).message}`, 1);
  }
  const state = {
    pid: process.pid, host: server.host, httpPort: server.httpPort, grpcPort: server.grpcPort, token: server.token,
    version: SERVER_VERSION, dataDir: server.dataDir ?? '', uiUrl: server.uiUrl, startedAt: new Date().toISOString(),
    idleExitMinutes: num(values['idle-exit-minutes'], 'idle-exit-minutes', 0),
  };
  try { writeState(state); } catch (e) { log(`warning: could not write the state file: ${(e as Error).message}`); }
  if (json) {
    process.stdout.write(JSON.stringify({ event: 'ready', ...state, startupMs: Math.round(process.uptime() * 1000), otlpHttpEndpoint: `http://${server.host === '0.0.0.0' ? '127.0.0.1' : server.host}:${server.httpPort}` }) + '\n');
  } else {
    const h = server.host.includes(':') ? `[${server.host}]` : server.host;
    process.stdout.write([
      `Agent Lens trace server ${SERVER_VERSION}`,
      `  OTLP/HTTP  http://${h}:${server.httpPort}  (POST /v1/traces, /v1/logs, /v1/metrics)`,
      `  OTLP/gRPC  ${h}:${server.grpcPort}`,
      `  UI         ${server.uiUrl}`,
      `  data       ${server.dataDir ?? '(memory only)'}`,
      `Point your app at it:  OTEL_EXPORTER_OTLP_ENDPOINT=http://${h}:${server.httpPort}`,
      '',
    ].join('\n'));
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    removeState();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A server whose state file another server has replaced cannot be found by new clients. Once it
  // has also been idle (no live clients, no OTLP requests) for a while, it goes: started detached
  // by the editor, it would otherwise linger for good.
  const orphanMs = num(values['orphan-exit-minutes'], 'orphan-exit-minutes', 10) * 60_000;
  // Left by a closed editor, a receiver would hold its ports for good: with --idle-exit-minutes it
  // goes after that long with no live clients (an open editor keeps one) and no OTLP data.
  const idleMs = state.idleExitMinutes * 60_000;
  if (orphanMs > 0 || idleMs > 0) {
    let lastRequests = server.ingest.counters.requests;
    let idleSince = Date.now();
    let replaced = false;
    const check = () => {
      const requests = server.ingest.counters.requests;
      if (requests !== lastRequests || server.live.clientCount > 0) { lastRequests = requests; idleSince = Date.now(); return; }
      if (idleMs > 0 && Date.now() - idleSince >= idleMs) {
        log(`no live clients and no data for ${state.idleExitMinutes} min (--idle-exit-minutes): exiting`);
        void stop();
        return;
      }
      if (orphanMs <= 0) return;
      const owner = readState();
      if (owner?.pid === process.pid) { replaced = false; return; }
      // Idleness counts from the takeover: a server idle for an hour is not dropped the moment it is replaced.
      if (!replaced) { replaced = true; idleSince = Date.now(); }
      if (Date.now() - idleSince < orphanMs) return;
      log(`another server (pid ${owner?.pid ?? 'none'}) has the state file and this one has been idle for ${Math.round(orphanMs / 60_000)} min: exiting`);
      void stop();
    };
    setInterval(check, Math.min(60_000, Math.max(50, Number(process.env.AGENT_LENS_ORPHAN_CHECK_MS) || 60_000))).unref();
  }
  process.on('exit', () => removeState());
  // The server outlives a client (the extension) that spawned it with a pipe and went away.
  process.stdout.on('error', () => {});
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') { process.stdout.write(HELP); return; }
  if (cmd === '--version') { process.stdout.write(SERVER_VERSION + '\n'); return; }
  if (cmd === 'serve') return serve(rest);
  if (cmd === 'import') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { 'data-dir': { type: 'string' } } });
    if (!positionals.length) fail('import wants one or more files');
    for (const f of positionals) if (!fs.existsSync(f)) fail(`no such file: ${f}`);
    const r = await importFiles(positionals, { dataDir: values['data-dir'] });
    process.stdout.write(`imported ${r.spans} spans and ${r.logs} log records from ${positionals.length} file(s) ${r.where}\n`);
    if (r.errors.length) { for (const e of r.errors) process.stderr.write(`agent-lens: ${e}\n`); process.exit(1); }
    return;
  }
  if (cmd === 'status') {
    const s = readState();
    if (!s) { process.stdout.write('no Agent Lens server is running\n'); process.exit(1); }
    if (rest.includes('--json')) { process.stdout.write(JSON.stringify({ ...s, token: undefined }, null, 2) + '\n'); return; }
    const host = s.host === '0.0.0.0' ? '127.0.0.1' : s.host;
    process.stdout.write([
      `Agent Lens trace server ${s.version} (pid ${s.pid}, since ${s.startedAt})`,
      `  OTLP/HTTP  http://${host}:${s.httpPort}  (POST /v1/traces, /v1/logs, /v1/metrics)`,
      `  OTLP/gRPC  ${host}:${s.grpcPort}`,
      `  UI         ${s.uiUrl}`,
      `  data       ${s.dataDir || '(not kept on disk)'}`,
    ].join('\n') + '\n');
    return;
  }
  if (cmd === 'mcp') {
    const { values } = parseArgs({ args: rest, options: { url: { type: 'string' } } });
    // (Loaded only here: the MCP SDK is not evaluated when the server starts.)
    const { serveMcp } = await import('./mcp/server.js');
    await serveMcp({ url: values.url, version: SERVER_VERSION });
    return;
  }
  if (cmd === 'rerun') {
    const dash = rest.indexOf('--');
    const own = dash < 0 ? rest : rest.slice(0, dash);
    const { values, positionals } = parseArgs({ args: own, allowPositionals: true, options: { from: { type: 'string' }, all: { type: 'boolean' }, url: { type: 'string' } } });
    const traceId = (positionals[0] ?? '').toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(traceId)) fail('rerun wants the run\'s trace id (32 hexadecimal digits)');
    if (!values.all && !/^[0-9a-fA-F]{16}$/.test(values.from ?? '')) fail('rerun wants --from SPAN_ID (the step it goes live from, 16 hexadecimal digits) or --all');
    const code = await rerun({ traceId, from: values.from?.toLowerCase(), all: !!values.all, url: values.url, command: dash < 0 ? [] : rest.slice(dash + 1) },
      (line: string) => process.stderr.write(`agent-lens: ${line}\n`));
    process.exit(code);
  }
  fail(`unknown command "${cmd}"\n\n${HELP}`);
}

main().catch((e) => fail(`${(e as Error).message}`, 1));
