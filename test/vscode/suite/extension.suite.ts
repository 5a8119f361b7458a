// Inside the editor's extension host: the extension activates, reaches its receiver, shows runs
// sent with the real OpenTelemetry SDK in its tree, opens the run view, and gives terminals and
// debug sessions the capture environment.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { spawn } from 'node:child_process';
import { trace, context } from '@opentelemetry/api';
import { TracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { AgentLensApi } from '../../../src/vscode/extension';
import { SETUP_GUIDES } from '../../../src/vscode/setupGuide';
import { startMockModel } from '../../../src/demo/mockModel';

const ID = 'agent-lens.agent-lens';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

suite('Agent Lens in VS Code', () => {
  let api: AgentLensApi;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<AgentLensApi>(ID);
    assert.ok(ext, `${ID} is installed`);
    api = await ext.activate();
    await until('the receiver', () => api.connection.state.kind === 'connected');
  });

  test('activates on startup and contributes its commands', async () => {
    const cmds = await vscode.commands.getCommands(true);
    for (const c of ['agentLens.showRuns', 'agentLens.openRunById', 'agentLens.importFile', 'agentLens.clearRuns', 'agentLens.copyEndpoint', 'agentLens.restartReceiver']) {
      assert.ok(cmds.includes(c), c);
    }
  });

  test('copy endpoint puts the receiver address on the clipboard', async () => {
    await vscode.commands.executeCommand('agentLens.copyEndpoint');
    assert.equal(await vscode.env.clipboard.readText(), api.connection.client!.endpoint);
  });

  test('Open in Browser opens the UI at the address that carries the token', async () => {
    const opened = await vscode.commands.executeCommand<string>('agentLens.openInBrowser');
    const url = new URL(opened);
    assert.equal(url.searchParams.get('token'), api.connection.client!.state.token, opened);
    // That address (here code-server's port proxy, under a path) serves the page, its bundle and
    // the API under the same path, with that token.
    const page = await fetch(opened);
    assert.equal(page.status, 200, opened);
    assert.match(await page.text(), /src="ui\.js"/);
    const under = `${url.origin}${url.pathname.replace(/\/$/, '')}`;
    assert.equal((await fetch(`${under}/ui.js`)).status, 200);
    const status = await fetch(`${under}/api/status`, { headers: { Authorization: `Bearer ${url.searchParams.get('token')}` } });
    assert.equal(status.status, 200, await status.clone().text());
  });

  test('a run sent with the OpenTelemetry SDK shows in the Runs tree, grouped by its conversation, and opens', async () => {
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'ext-host-suite' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${api.connection.client!.endpoint}/v1/traces` }) })],
    });
    const tracer = provider.getTracer('suite');
    const agent = tracer.startSpan('invoke_agent suite-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'suite-agent', 'gen_ai.conversation.id': 'conv-suite' } });
    const chat = tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 20,
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Where is my order A-7?\n(asked twice)' }] }]) } }, trace.setSpan(context.active(), agent));
    chat.end();
    agent.end();
    await provider.forceFlush();
    const traceId = agent.spanContext().traceId;
    const top = await until('the run in the tree', () => {
      const nodes = api.runs.getChildren();
      return nodes.find((n) => n.kind === 'conversation' && n.id === 'conv-suite');
    });
    const [run] = api.runs.getChildren(top);
    assert.ok(run && run.kind === 'run');
    const item = api.runs.getTreeItem(run);
    // Told apart by the user's question (on one line), with when it started; what it was in the tooltip.
    assert.equal(item.label, 'Where is my order A-7? (asked twice)');
    assert.match(String(item.description), /^\d\d:\d\d:\d\d\.\d{3} · .* · 2 steps · 100→20 tok/);
    assert.match(String(item.tooltip), new RegExp(`invoke_agent suite-agent · agents: suite-agent\nservice ext-host-suite\ntrace ${traceId}`));
    assert.equal(item.command?.command, 'agentLens.openRun');
    await vscode.commands.executeCommand('agentLens.openRun', traceId);
    assert.equal(api.panel.lastOpened, traceId);
    // Its tab is titled after the run.
    await until('the run view tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label === 'Where is my order A-7? (asked twice)'));
    // Deleting from the context menu removes it.
    await vscode.commands.executeCommand('agentLens.deleteRun', run, 'confirmed');
    await until('the run to go', () => !api.runs.all.some((r) => r.traceId === traceId));
    await provider.shutdown();
  });

  test('import an OTLP file; open a run by its trace id', async () => {
    const traceId = 'a1a2a3a4a5a6a7a8b1b2b3b4b5b6b7b8';
    const file = path.join(os.tmpdir(), `al-import-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'imported' } }] }, scopeSpans: [{ spans: [{
      traceId, spanId: 'c1c2c3c4c5c6c7c8', name: 'invoke_agent imported', kind: 1, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000500000000' }] }] }] }));
    const said = await vscode.commands.executeCommand<string>('agentLens.importFile', [vscode.Uri.file(file)]);
    assert.match(said, /imported 1 spans/);
    await until('the imported run in the tree', () => api.runs.all.some((r) => r.traceId === traceId && r.rootName === 'invoke_agent imported'));
    await vscode.commands.executeCommand('agentLens.openRunById', traceId.toUpperCase());
    assert.equal(api.panel.lastOpened, traceId);
    // A prefix that names one run opens it; one that names none says so and leaves the view alone.
    api.panel.lastOpened = undefined;
    assert.equal(await vscode.commands.executeCommand('agentLens.openRunById', 'A1A2A3A4A5A6'), true);
    assert.equal(api.panel.lastOpened, traceId);
    assert.equal(await vscode.commands.executeCommand('agentLens.openRunById', 'ffffeeee'), false);
    assert.equal(api.panel.lastOpened, traceId);
    // A broken file: said, and nothing is lost.
    fs.writeFileSync(file, '{"resourceSpans": [');
    assert.match(await vscode.commands.executeCommand<string>('agentLens.importFile', [vscode.Uri.file(file)]), /^error: /);
    assert.ok(api.runs.all.some((r) => r.traceId === traceId));
  });

  test('integrated terminals get the capture environment', async () => {
    const plan = api.capturePlan();
    assert.equal(plan.env.OTEL_EXPORTER_OTLP_ENDPOINT, api.connection.client!.endpoint);
    const out = path.join(os.tmpdir(), `al-term-${process.pid}-${Date.now()}.json`);
    const term = vscode.window.createTerminal({ name: 'agent-lens-env', shellPath: process.execPath,
      shellArgs: ['-e', `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(OTEL_|TRACELOOP_)/.test(k)))))`] });
    const env = await until('the terminal process to write its environment', () => fs.existsSync(out) && JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, string>);
    term.dispose();
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, api.connection.client!.endpoint);
    assert.equal(env.OTEL_EXPORTER_OTLP_PROTOCOL, 'http/protobuf');
    assert.equal(env.OTEL_BSP_SCHEDULE_DELAY, String(api.settings()['capture.batchDelayMs']));
    assert.equal(env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, 'true');

    // A Python app in a terminal loads the call-site helper: the sitecustomize first on its path.
    const pyOut = path.join(os.tmpdir(), `al-term-py-${process.pid}-${Date.now()}.json`);
    const pyTerm = vscode.window.createTerminal({ name: 'agent-lens-python', shellPath: 'python3',
      shellArgs: ['-c', `import json, sys; json.dump({"sitecustomize": sys.modules["sitecustomize"].__file__}, open(${JSON.stringify(pyOut)}, "w"))`] });
    const py = await until('the Python terminal to write what it loaded', () => fs.existsSync(pyOut) && JSON.parse(fs.readFileSync(pyOut, 'utf8')) as { sitecustomize: string });
    pyTerm.dispose();
    assert.equal(py.sitecustomize, path.join(vscode.extensions.getExtension(ID)!.extensionPath, 'dist', 'capture-python', 'sitecustomize.py'));
  });

  test('debug sessions get the capture environment under their own', async () => {
    const config = { type: 'node', request: 'launch', name: 'x', env: { OTEL_BSP_SCHEDULE_DELAY: '999' } };
    // The provider for every debug type ('*') is what VS Code asks before a session starts.
    const plan = api.capturePlan();
    const out = path.join(os.tmpdir(), `al-debug-${process.pid}-${Date.now()}.json`);
    const script = path.join(os.tmpdir(), `al-debug-${process.pid}.js`);
    fs.writeFileSync(script, `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ e: process.env.OTEL_EXPORTER_OTLP_ENDPOINT, d: process.env.OTEL_BSP_SCHEDULE_DELAY }))`);
    const started = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], { ...config, program: script, console: 'internalConsole' });
    assert.ok(started, 'the debug session started');
    // Read once whole: the debuggee may be midway through writing it.
    const got = await until('the debuggee to write its environment', () => { try { return JSON.parse(fs.readFileSync(out, 'utf8')) as { e: string; d: string }; } catch { return undefined; } }, 45_000);
    assert.equal(got.e, plan.env.OTEL_EXPORTER_OTLP_ENDPOINT);
    assert.equal(got.d, '999');
  });

  test('call sites: a lens above the line that made model calls, with figures from the runs, updated as runs arrive', async () => {
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = path.join(root, 'shop', 'planner_under_test.py');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'def plan(q):\n    return client.chat.completions.create(model="gpt-4o-mini")\n');
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'lens-test' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${api.connection.client!.endpoint}/v1/traces` }) })] });
    const sendCall = (input: number, output: number) => {
      const s = provider.getTracer('t').startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output,
        'code.file.path': file, 'code.line.number': 2, 'code.function.name': 'plan' } });
      s.end();
    };
    sendCall(1200, 40);
    await provider.forceFlush();
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const lens = async (want: RegExp) => until(`a lens like ${want}`, async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      const l = lenses?.find((x) => x.command && want.test(x.command.title));
      return l;
    });
    const { calcPrice } = await import('@pydantic/genai-prices');
    const one = await lens(/1 model call/);
    assert.equal(one.range.start.line, 1);
    assert.match(one.command!.title, /gpt-4o-mini · median 1\.2k in \/ 40 out/);
    const cost = calcPrice({ input_tokens: 1200, output_tokens: 40 }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price;
    assert.ok(one.command!.title.includes(`$${cost.toFixed(4)}`), `${one.command!.title} vs genai-prices ${cost}`);
    assert.equal(one.command!.command, 'agentLens.openRun');
    // Another run arrives: the lens follows.
    sendCall(1800, 60);
    await provider.forceFlush();
    const two = await lens(/2 model calls/);
    assert.match(two.command!.title, /median 1\.2k in \/ 40 out|median 1\.8k in \/ 60 out/);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(1, 10));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(text, /\| gpt\\-4o\\-mini \| 2 \| 3000 \| 100 \|/);
    await provider.shutdown();
  });

  test('a lens above a tool\'s definition: its calls from the runs, found by name', async () => {
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = path.join(root, 'desk', 'lens_tools_under_test.py');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'from strands import tool\n\n@tool\ndef refund_lens_under_test(order_id: str) -> str:\n    return "ok"\n');
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${api.connection.client!.endpoint}/v1/traces` }) })] });
    // Two runs of the tool, 300 and 500 ms, one failed; nothing says where they ran from.
    const t0 = Date.now() - 5000;
    for (const [ms, failed] of [[300, false], [500, true]] as const) {
      const s = provider.getTracer('t').startSpan('execute_tool refund_lens_under_test', { startTime: t0, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund_lens_under_test' } });
      if (failed) s.setStatus({ code: 2, message: 'refused' });
      s.end(t0 + ms);
    }
    await provider.forceFlush();
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const l = await until('the lens over the definition', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return lenses?.find((x) => x.command && /refund_lens_under_test: 2 tool calls/.test(x.command.title));
    });
    assert.equal(l.range.start.line, 3);
    assert.match(l.command!.title, /p50 300 ms · p95 500 ms · \$\(error\) 1 error/);
    await provider.shutdown();
  });

  test('go to definition: a tool step opens the decorated function, an agent its definition, by name', async () => {
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = path.join(root, 'desk', 'desk_agent_under_test.py');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'from strands import Agent, tool\n\n@tool\ndef refund_order_under_test(order_id: str) -> str:\n    return "ok"\n\ndesk = Agent(name="desk-under-test", tools=[refund_order_under_test])\n');
    assert.equal(await vscode.commands.executeCommand<boolean>('agentLens.openDefinition', { kind: 'tool', name: 'refund_order_under_test' }), true);
    let ed = await until('the tool', () => vscode.window.activeTextEditor?.document.uri.fsPath === file && vscode.window.activeTextEditor);
    assert.equal(ed.selection.start.line, 3);
    assert.equal(await vscode.commands.executeCommand<boolean>('agentLens.openDefinition', { kind: 'agent', name: 'desk-under-test' }), true);
    ed = await until('the agent', () => vscode.window.activeTextEditor?.selection.start.line === 6 && vscode.window.activeTextEditor);
    assert.match(ed.document.getText(ed.selection), /^desk = Agent\(name="desk-under-test"/);
    assert.equal(await vscode.commands.executeCommand<boolean>('agentLens.openDefinition', { kind: 'tool', name: 'a_tool_that_is_nowhere' }), false);
  });

  test('go to source: a path from a container opens the workspace file beside, at the line, the call selected', async () => {
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = path.join(root, 'shop', 'agent_under_test.py');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'import openai\n\ndef plan(q):\n    reply = client.chat.completions.create(model="gpt-4o-mini")\n    return reply\n');
    // The app ran in a container whose code lives in /app: only the tail of the path is shared.
    const opened = await vscode.commands.executeCommand<boolean>('agentLens.openSource', { path: '/app/shop/agent_under_test.py', line: 4 });
    assert.equal(opened, true);
    const ed = await until('the editor', () => vscode.window.activeTextEditor?.document.uri.fsPath === file && vscode.window.activeTextEditor);
    assert.equal(ed.selection.start.line, 3);
    assert.equal(ed.document.getText(ed.selection), 'reply = client.chat.completions.create(model="gpt-4o-mini")');
    // A path that is nowhere here says so and opens nothing.
    assert.equal(await vscode.commands.executeCommand<boolean>('agentLens.openSource', { path: '/elsewhere/missing_module.py', line: 1 }), false);
    // Two files share the name and nothing more: only a path mapping can say which one the app ran.
    for (const dir of ['svc_a', 'svc_b']) {
      fs.mkdirSync(path.join(root, dir), { recursive: true });
      fs.writeFileSync(path.join(root, dir, 'handler_under_test.py'), `# ${dir}\nline two\nline three\n`);
    }
    assert.equal(await vscode.commands.executeCommand<boolean>('agentLens.openSource', { path: '/srv/app/handler_under_test.py', line: 3 }), false, 'ambiguous without a mapping');
    await vscode.workspace.getConfiguration('agentLens').update('source.pathMappings', [{ from: '/srv/app', to: '${workspaceFolder}/svc_b' }], vscode.ConfigurationTarget.Workspace);
    try {
      assert.equal(await vscode.commands.executeCommand<boolean>('agentLens.openSource', { path: '/srv/app/handler_under_test.py', line: 3 }), true);
      const mappedEd = await until('the mapped file', () => vscode.window.activeTextEditor?.document.uri.fsPath === path.join(root, 'svc_b', 'handler_under_test.py') && vscode.window.activeTextEditor);
      assert.equal(mappedEd.selection.start.line, 2);
    } finally {
      await vscode.workspace.getConfiguration('agentLens').update('source.pathMappings', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('the Runs tree\'s "Go to Source" opens where the run starts: its outermost located step', async () => {
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = path.join(root, 'desk', 'run_entry_under_test.py');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'from agents import Agent, Runner\n\ndef main():\n    result = Runner.run_sync(desk, "refund order 7")\n    return result\n');
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${api.connection.client!.endpoint}/v1/traces` }) })] });
    const tracer = provider.getTracer('t');
    const workflow = tracer.startSpan('POST /refund');
    const agent = tracer.startSpan('invoke_agent desk', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'desk', 'code.file.path': file, 'code.line.number': 4 } },
      trace.setSpan(context.active(), workflow));
    agent.end();
    workflow.end();
    await provider.forceFlush();
    const traceId = workflow.spanContext().traceId;
    const run = await until('the run in the tree', () => api.runs.all.find((r) => r.traceId === traceId));
    // The tree item's node, as the context menu hands it to the command.
    assert.equal(await vscode.commands.executeCommand<boolean>('agentLens.goToRunSource', { kind: 'run', run }), true);
    const ed = await until('the editor at the run\'s entry', () => vscode.window.activeTextEditor?.document.uri.fsPath === file && vscode.window.activeTextEditor);
    assert.equal(ed.selection.start.line, 3);
    assert.equal(ed.document.getText(ed.selection), 'result = Runner.run_sync(desk, "refund order 7")');
    await provider.shutdown();
  });

  test('the replay debugger: "Run to Step" starts a replay at that step, then moves the running one; Debug Run from the palette', async () => {
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${api.connection.client!.endpoint}/v1/traces` }) })] });
    const tracer = provider.getTracer('t');
    const agent = tracer.startSpan('invoke_agent desk', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'desk' } });
    const ctx = trace.setSpan(context.active(), agent);
    const llm = tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 700, 'gen_ai.usage.output_tokens': 20 } }, ctx);
    llm.end();
    const tool = tracer.startSpan('execute_tool refund', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund', 'gen_ai.tool.call.arguments': '{"order":"A-7"}' } }, ctx);
    tool.end();
    agent.end();
    await provider.forceFlush();
    const traceId = agent.spanContext().traceId;
    await until('the run in the tree', () => api.runs.all.find((r) => r.traceId === traceId));
    // What the adapter tells the editor, seen as the editor sees it.
    const stops: { reason: string; description?: string }[] = [];
    const steps: { spanId: string }[] = [];
    const tracker = vscode.debug.registerDebugAdapterTrackerFactory('agent-lens', { createDebugAdapterTracker: () => ({
      onDidSendMessage: (m: { type: string; event?: string; body?: { reason: string; description?: string; spanId: string } }) => {
        if (m.type === 'event' && m.event === 'stopped') stops.push(m.body!);
        if (m.type === 'event' && m.event === 'agentLens.step') steps.push(m.body!);
      },
    }) });
    try {
      assert.equal(await vscode.commands.executeCommand('agentLens.runToStep', traceId, tool.spanContext().spanId), true);
      await until('the replay at the tool', () => stops.length >= 1 && steps.length >= 1);
      assert.equal(stops[0]!.reason, 'goto');
      assert.equal(stops[0]!.description, 'tool refund');
      assert.equal(steps[0]!.spanId, tool.spanContext().spanId);
      const session = await until('the session', () => vscode.debug.activeDebugSession);
      assert.equal(session.type, 'agent-lens');
      const threads = await session.customRequest('threads') as { threads: { id: number; name: string }[] };
      assert.deepEqual(threads.threads.map((t) => t.name), ['agent desk']);
      const frames = await session.customRequest('stackTrace', { threadId: threads.threads[0]!.id }) as { stackFrames: { id: number; name: string }[] };
      assert.deepEqual(frames.stackFrames.map((f) => f.name), ['tool refund', 'agent desk']);
      const args = await session.customRequest('evaluate', { expression: 'args.order', frameId: frames.stackFrames[0]!.id, context: 'watch' }) as { result: string };
      assert.equal(args.result, '"A-7"');
      // The running replay moves.
      assert.equal(await vscode.commands.executeCommand('agentLens.runToStep', traceId, llm.spanContext().spanId), true);
      await until('the replay at the model call', () => steps.length >= 2);
      assert.equal(steps[1]!.spanId, llm.spanContext().spanId);
      assert.equal(vscode.debug.activeDebugSession?.id, session.id, 'the same session');
      await vscode.debug.stopDebugging(session);
      // Debug Run on a run of the tree starts a replay paused at its first step.
      assert.equal(await vscode.commands.executeCommand('agentLens.debugRun', traceId), true);
      await until('the entry stop', () => stops.find((x) => x.reason === 'entry'));
      await vscode.debug.stopDebugging();
    } finally {
      tracker.dispose();
      await provider.shutdown();
    }
  });

  test('Replay Model Call: the recorded call opens as its provider\'s request with its schema; what a provider rejects is marked where it is; Send gets the edit to the model and opens the answers side by side', async () => {
    const mock = await startMockModel();
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'replay-suite' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${api.connection.client!.endpoint}/v1/traces` }) })] });
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather forecast for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const span = provider.getTracer('t').startSpan('chat gpt-4o-mini', { attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.request.temperature': 0.2,
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are a travel planner.' }]),
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Weather in Lisbon?' }] }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Sunny.' }] }]),
      'gen_ai.tool.definitions': JSON.stringify(tools), 'server.address': '127.0.0.1', 'server.port': Number(new URL(mock.url).port),
    } });
    span.end();
    await provider.forceFlush();
    const { traceId, spanId } = span.spanContext();
    await until('the run', () => api.runs.all.some((r) => r.traceId === traceId));
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('agentLens.replayModelCall', traceId, spanId);
    assert.ok(doc);
    assert.match(doc.uri.fsPath, /\.openai-chat\.json$/);
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You are a travel planner.' }, { role: 'user', content: 'Weather in Lisbon?' }], tools, temperature: 0.2 };
    assert.deepEqual(JSON.parse(doc.getText()), request);
    const ed = vscode.window.activeTextEditor!;
    assert.equal(ed.document, doc);
    const replace = async (v: unknown) => {
      await ed.edit((b) => b.replace(new vscode.Range(0, 0, doc.lineCount, 0), `${JSON.stringify(v, null, 2)}\n`));
    };
    // A result for a call nobody made: marked on its tool_call_id, by this extension; a role the API does not know: by the schema.
    await replace({ ...request, messages: [...request.messages, { role: 'tool', tool_call_id: 'call_none', content: '{}' }, { role: 'bogus', content: 'x' }] });
    const marks = await until('the problems marked', () => {
      const d = vscode.languages.getDiagnostics(doc.uri);
      return d.some((x) => x.source === 'Agent Lens') && d.some((x) => x.source !== 'Agent Lens' && /bogus|not accepted|Value/.test(x.message)) ? d : undefined;
    });
    const ours = marks.find((x) => x.source === 'Agent Lens' && /no earlier message makes/.test(x.message))!;
    assert.equal(doc.getText(ours.range), '"call_none"');
    const edited = { ...request, messages: request.messages.map((m) => (m.role === 'system' ? { ...m, content: 'You are a terse travel planner.' } : m)) };
    await replace(edited);
    await until('no problems', () => !vscode.languages.getDiagnostics(doc.uri).some((x) => x.severity === vscode.DiagnosticSeverity.Error));
    const heard = mock.requests.length;
    // The key kept in the editor's secret storage goes with the call, to the endpoint only.
    assert.equal(await vscode.commands.executeCommand('agentLens.setProviderKey', 'openai', 'sk-suite-secret-key'), true);
    const out = await vscode.commands.executeCommand<{ traceId: string; usage: { input: number; output: number } }>('agentLens.sendReplay');
    assert.ok(out);
    assert.deepEqual(mock.requests[heard], edited);
    assert.equal(mock.headers[heard]!.authorization, 'Bearer sk-suite-secret-key');
    assert.ok(!JSON.stringify(await api.connection.client!.request('GET', `/api/traces/${out.traceId}`)).includes('sk-suite-secret-key'));
    await vscode.commands.executeCommand('agentLens.setProviderKey', 'openai', '');
    assert.deepEqual([out.usage.input, out.usage.output], [mock.usages[heard]!.prompt_tokens, mock.usages[heard]!.completion_tokens]);
    const tab = await until('the answers side by side', () => {
      const t = vscode.window.tabGroups.activeTabGroup.activeTab;
      return t?.input instanceof vscode.TabInputTextDiff ? t : undefined;
    });
    assert.match(tab.label, /^Answer: recorded ↔ replayed/);
    assert.equal((await vscode.workspace.openTextDocument((tab.input as vscode.TabInputTextDiff).original)).getText(), 'Sunny.\n');
    await until('the new run', () => api.runs.all.some((r) => r.traceId === out.traceId));
    // The new run beside the old, in the run diff view (a tab of its own, kept).
    await until('the runs compared in a tab', () => api.panel.open.some((t) => t.traceId === out.traceId && t.kept));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await provider.shutdown();
    await mock.close();
  });

  for (const way of ['a task (a command line)', 'a launch configuration (under the debugger)'] as const) {
    test(`Re-run From Here, all recorded, as ${way}: the app (real openai SDK, 3 model calls) runs again with the capture helper; the mock hears nothing; the new run opens beside the original in the diff view`, async () => {
      const mock = await startMockModel();
      const endpoint = api.connection.client!.endpoint;
      const app = path.join(__dirname, '..', '..', 'helpers', 'liveApp.js');
      const first = await new Promise<string>((resolve, reject) => {
        const c = spawn(process.execPath, [app, endpoint, mock.url], { env: { ...process.env, LIVE_APP_FOLLOW_UP: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '', err = '';
        c.stdout.on('data', (d) => { out += String(d); });
        c.stderr.on('data', (d) => { err += String(d); });
        c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`the app exited with ${code}: ${err}`))));
      });
      const traceId = (JSON.parse(first.trim().split('\n').pop()!) as { traceId: string }).traceId;
      await until('its three model calls', async () => (await api.connection.client!.request<{ spans: { genai?: { kind: string } }[] }>('GET', `/api/traces/${traceId}`).catch(() => ({ spans: [] }))).spans.filter((s) => s.genai?.kind === 'llm').length >= 3);
      const heard = mock.requests.length;
      let how: { command: string[] } | { launch: string };
      if (way.startsWith('a task')) {
        // (The task runs where the editor's terminals run: its variables go on its command line.)
        how = { command: ['/usr/bin/env', 'LIVE_APP_FOLLOW_UP=1', process.execPath, app, endpoint, mock.url] };
      } else {
        const folder = vscode.workspace.workspaceFolders![0]!;
        await vscode.workspace.getConfiguration('launch', folder.uri).update('configurations', [{ type: 'node', request: 'launch', name: 'Travel agent (suite)',
          program: app, args: [endpoint, mock.url], env: { LIVE_APP_FOLLOW_UP: '1' }, console: 'internalConsole' }], vscode.ConfigurationTarget.WorkspaceFolder);
        how = { launch: 'Travel agent (suite)' };
      }
      const out = await vscode.commands.executeCommand<{ runs: string[]; lines: { answeredBy: string }[]; exitCode?: number }>('agentLens.rerunFromHere', traceId, undefined, { all: true, how });
      assert.ok(out);
      if ('command' in how) assert.equal(out.exitCode, 0);
      assert.equal(mock.requests.length, heard, 'the mock heard nothing');
      assert.deepEqual(out.lines.map((l) => l.answeredBy), ['recording', 'recording', 'recording']);
      assert.equal(out.runs.length, 1);
      assert.notEqual(out.runs[0], traceId);
      await until('the new run in a tab, compared with the original', () => api.panel.open.some((t) => t.traceId === out.runs[0] && t.kept));
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await mock.close();
    });
  }

  test('the editor\'s AI can ask about runs: the language-model tools are registered, and get_run answers with the run\'s tree', async () => {
    const lm = (vscode as unknown as { lm: { tools: readonly { name: string; inputSchema?: unknown }[]; invokeTool(name: string, options: { input: unknown; toolInvocationToken: undefined }, token?: vscode.CancellationToken): Promise<{ content: { value?: string }[] }> } }).lm;
    const names = ['list_runs', 'get_run', 'get_step', 'find_steps', 'explain_failure', 'cost_by_line', 'conversation', 'diff_runs', 'orphans'].map((n) => `agentLens_${n}`);
    const tools = await until('the tools registered', () => (names.every((n) => lm.tools.some((t) => t.name === n)) ? lm.tools : undefined));
    assert.ok(tools.filter((t) => t.name.startsWith('agentLens_')).every((t) => (t.inputSchema as { type?: string } | undefined)?.type === 'object'));
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'lm-tools-suite' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${api.connection.client!.endpoint}/v1/traces` }) })] });
    const tracer = provider.getTracer('t');
    const root = tracer.startSpan('invoke_agent desk', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'desk' } });
    const child = tracer.startSpan('execute_tool lookup_order', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup_order', 'gen_ai.tool.call.arguments': '{"order_id":"A-1042"}' } }, trace.setSpan(context.active(), root));
    child.end();
    root.end();
    await provider.forceFlush();
    const traceId = root.spanContext().traceId;
    await until('the run', () => api.runs.all.some((r) => r.traceId === traceId));
    const out = await lm.invokeTool('agentLens_get_run', { input: { traceId }, toolInvocationToken: undefined }, new vscode.CancellationTokenSource().token);
    const text = out.content.map((p) => p.value ?? '').join('');
    assert.match(text, /1\. \[agent\] invoke_agent desk/);
    assert.ok(text.includes(`2. [tool] execute_tool lookup_order`) && text.includes(`span ${child.spanContext().spanId}`), text);
    const bad = await lm.invokeTool('agentLens_get_run', { input: { traceId: 'nope' }, toolInvocationToken: undefined }, new vscode.CancellationTokenSource().token);
    assert.match(bad.content.map((p) => p.value ?? '').join(''), /^Error: traceId "nope" is not a trace id/);
    await provider.shutdown();
  });

  test('a prompt diff from the run view opens in the editor\'s own diff view', async () => {
    const left = 'You are a travel planner.\n[user]\nPlan a weekend in Lisbon.\n';
    const right = 'You are a travel planner.\n[user]\nPlan a weekend in Lisbon.\n[assistant]\nSunny, 18°C.\n[user]\nAnd a hotel?\n';
    assert.equal(await vscode.commands.executeCommand('agentLens.openTextDiff', 'LLM gpt-4o-mini: prompt (A ↔ B)', left, right), true);
    const tab = await until('the diff editor', () => {
      const t = vscode.window.tabGroups.activeTabGroup.activeTab;
      return t?.input instanceof vscode.TabInputTextDiff ? t : undefined;
    });
    assert.equal(tab.label, 'LLM gpt-4o-mini: prompt (A ↔ B)');
    const input = tab.input as vscode.TabInputTextDiff;
    assert.equal(input.original.scheme, 'agentlens-diff');
    assert.equal((await vscode.workspace.openTextDocument(input.original)).getText(), left);
    assert.equal((await vscode.workspace.openTextDocument(input.modified)).getText(), right);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('the Runs view filters: by text, failed runs only (a retried failure is not one), cleared', async () => {
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${api.connection.client!.endpoint}/v1/traces` }) })] });
    const tracer = provider.getTracer('t');
    const send = (name: string, failures: ('fail' | 'retry')[]) => {
      const root = tracer.startSpan(name, { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': name } });
      const ctx = trace.setSpan(context.active(), root);
      for (const f of failures) {
        const t = tracer.startSpan('execute_tool lookup', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' } }, ctx);
        t.setStatus({ code: 2, message: 'timeout' });
        t.end();
        if (f === 'retry') tracer.startSpan('execute_tool lookup', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' } }, ctx).end();
      }
      root.end();
      return root.spanContext().traceId;
    };
    const ok = send('filter-alpha', []), failed = send('filter-beta', ['fail']), retried = send('filter-gamma', ['retry']);
    await provider.forceFlush();
    // Whole: each span went in its own request, and the runs' roots may have come before their steps.
    await until('the three runs, whole', () => [[ok, 1], [failed, 2], [retried, 3]].every(([id, n]) => api.runs.all.some((r) => r.traceId === id && r.spanCount === n)));
    const shown = () => api.runs.getChildren().flatMap((n) => (n.kind === 'run' ? [n.run.traceId] : api.runs.getChildren(n).map((x) => (x as { run: { traceId: string } }).run.traceId)));
    const item = (id: string) => api.runs.getTreeItem({ kind: 'run', run: api.runs.all.find((r) => r.traceId === id)! });
    assert.match(String(item(retried).description), /1 error, retried/);
    assert.equal((item(retried).iconPath as vscode.ThemeIcon).id, 'warning');
    assert.equal((item(failed).iconPath as vscode.ThemeIcon).id, 'error');
    await vscode.commands.executeCommand('agentLens.filterRuns', 'filter-');
    await until('the text filter', () => { const s = shown(); return s.length === 3 && [ok, failed, retried].every((id) => s.includes(id)); });
    await vscode.commands.executeCommand('agentLens.toggleFailedRuns');
    await until('failed only', () => { const s = shown(); return s.length === 1 && s[0] === failed; });
    await vscode.commands.executeCommand('agentLens.clearRunFilter');
    await until('all again', () => shown().length > 3);
    await provider.shutdown();
  });
  /** The run tabs open now (webviews of the run view). */
  const runTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('agentLens.run'));

  test('runs open in tabs titled after them: a click reuses the preview tab, a double-click keeps it, and the tree follows the tab in front', async () => {
    await vscode.window.tabGroups.close(runTabs());
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'tabs-suite' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${api.connection.client!.endpoint}/v1/traces` }) })] });
    const tracer = provider.getTracer('t');
    const send = (question: string) => {
      const root = tracer.startSpan('invoke_agent desk', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
      tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o',
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: question }] }]) } }, trace.setSpan(context.active(), root)).end();
      root.end();
      return root.spanContext().traceId;
    };
    const a = send('Refund order 7 please'), b = send('Cancel my flight to Oslo');
    await provider.forceFlush();
    await until('both runs', () => [a, b].every((id) => api.runs.all.some((r) => r.traceId === id && r.title)));
    await vscode.commands.executeCommand('agentLens.runs.focus');
    const labels = () => runTabs().map((t) => t.label).sort();

    await vscode.commands.executeCommand('agentLens.openRun', a);
    await until('the first run\'s tab', () => labels().join() === 'Refund order 7 please');
    await new Promise((r) => setTimeout(r, 600)); // a second click, not a double-click
    await vscode.commands.executeCommand('agentLens.openRun', b);
    // The preview tab shows the second run: still one tab.
    await until('the preview tab reused', () => labels().join() === 'Cancel my flight to Oslo');
    assert.deepEqual(api.panel.open.map((t) => [t.traceId, t.kept]), [[b, false]]);
    // A double-click (two opens at once) keeps it; the next run gets a tab of its own.
    await vscode.commands.executeCommand('agentLens.openRun', b);
    assert.deepEqual(api.panel.open.map((t) => [t.traceId, t.kept]), [[b, true]]);
    await vscode.commands.executeCommand('agentLens.openRun', a);
    await until('two tabs', () => labels().join('|') === 'Cancel my flight to Oslo|Refund order 7 please');
    const selected = () => { const n = api.runsView.selection[0] as { kind?: string; run?: { traceId: string } } | undefined; return n?.kind === 'run' ? n.run!.traceId : undefined; };
    await until('the tree on the run in front', () => selected() === a);
    // Switching tabs the editor's way: the tree follows.
    await vscode.commands.executeCommand('workbench.action.previousEditor');
    await until('the tree following the tab', () => selected() === b);
    await vscode.window.tabGroups.close(runTabs());
    await provider.shutdown();
  });

  test('attach "Follow runs as they arrive": a function breakpoint on a tool stops there, and the Call Stack and Variables are that tool\'s', async () => {
    const bp = new vscode.FunctionBreakpoint('lookup_invoice');
    vscode.debug.addBreakpoints([bp]);
    const stops: { reason: string; description?: string; threadId: number }[] = [];
    const tracker = vscode.debug.registerDebugAdapterTrackerFactory('agent-lens', { createDebugAdapterTracker: () => ({
      onDidSendMessage: (m: { type: string; event?: string; body?: { reason: string; description?: string; threadId: number } }) => { if (m.type === 'event' && m.event === 'stopped') stops.push(m.body!); },
    }) });
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${api.connection.client!.endpoint}/v1/traces` }) })] });
    try {
      assert.ok(await vscode.debug.startDebugging(undefined, { type: 'agent-lens', request: 'attach', name: 'Follow runs as they arrive' }), 'attached');
      const session = await until('the session', () => vscode.debug.activeDebugSession);
      // A run arrives: an embeddings call first (the run's first step), a model call, then the tool.
      const tracer = provider.getTracer('t');
      const agent = tracer.startSpan('invoke_agent billing', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'billing' } });
      const ctx = trace.setSpan(context.active(), agent);
      tracer.startSpan('embeddings text-embedding-3-small', { attributes: { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'text-embedding-3-small' } }, ctx).end();
      tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 90, 'gen_ai.usage.output_tokens': 9 } }, ctx).end();
      tracer.startSpan('execute_tool lookup_invoice', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup_invoice', 'gen_ai.tool.call.arguments': '{"invoice":"INV-9"}' } }, ctx).end();
      agent.end();
      await provider.forceFlush();
      const stop = await until('the stop at the tool', () => stops[0], 30_000);
      assert.equal(stop.description, 'breakpoint: tool lookup_invoice');
      const frames = await session.customRequest('stackTrace', { threadId: stop.threadId }) as { stackFrames: { id: number; name: string }[] };
      assert.deepEqual(frames.stackFrames.map((f) => f.name), ['tool lookup_invoice', 'agent billing']);
      const arg = await session.customRequest('evaluate', { expression: 'args.invoice', frameId: frames.stackFrames[0]!.id, context: 'watch' }) as { result: string };
      assert.equal(arg.result, '"INV-9"');
      await vscode.debug.stopDebugging(session);
    } finally {
      tracker.dispose();
      vscode.debug.removeBreakpoints([bp]);
      await provider.shutdown();
    }
  });

  test('the sample agent\'s source, as shipped, opens without errors (a copy of it without the shipped tsconfig shows the editor does check)', async () => {
    const shipped = path.join(vscode.extensions.getExtension(ID)!.extensionPath, 'dist', 'sample', 'demo.ts');
    // The control: the same file where no tsconfig says "not checked": the editor's TypeScript reports its unresolved imports.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-sample-'));
    const control = path.join(dir, 'demo.ts');
    fs.copyFileSync(shipped, control);
    await vscode.window.showTextDocument(vscode.Uri.file(control));
    const errs = (u: vscode.Uri) => vscode.languages.getDiagnostics(u).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    await until('the control\'s errors', () => errs(vscode.Uri.file(control)).length > 0, 60_000);
    await vscode.window.showTextDocument(vscode.Uri.file(shipped));
    // The checker has answered for the control; give it as long again for the shipped file.
    await new Promise((r) => setTimeout(r, 4000));
    assert.deepEqual(errs(vscode.Uri.file(shipped)).map((d) => d.message), []);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Connect My App opens the SDK set-up for a language with this receiver\'s endpoint', async () => {
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('agentLens.connectApp', 'python');
    assert.equal(doc.languageId, 'python');
    assert.ok(doc.getText().includes(`endpoint="${api.connection.client!.endpoint}/v1/traces"`), doc.getText());
    assert.match(doc.getText(), /schedule_delay_millis=200/);
    const node = await vscode.commands.executeCommand<vscode.TextDocument>('agentLens.connectApp', 'node');
    assert.equal(node.languageId, 'typescript');
    assert.match(node.getText(), /scheduledDelayMillis: 200/);
    // Exactly the text that test/vscode/setupGuide.test.ts runs as written against the mock model.
    assert.equal(node.getText(), SETUP_GUIDES.find((g) => g.id === 'node')!.text(api.connection.client!.endpoint));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('Run a Sample Agent runs the bundled demo in a terminal here: its two runs arrive, asked what the demo asks', async () => {
    const before = new Set(api.runs.all.map((r) => r.traceId));
    const term = await vscode.commands.executeCommand<vscode.Terminal>('agentLens.runSample');
    const runs = await until('the sample\'s two runs', () => {
      const got = api.runs.all.filter((r) => !before.has(r.traceId) && r.service === 'travel-agent-demo' && !r.rootPending);
      return got.length === 2 ? got : undefined;
    }, 60_000);
    // The truth is the demo's own text: the user's two turns.
    const demo = fs.readFileSync(path.join(vscode.extensions.getExtension(ID)!.extensionPath, 'dist', 'sample', 'demo.ts'), 'utf8');
    for (const r of runs) assert.ok(r.title && demo.includes(r.title.replace(/…$/, '')), `"${r.title}" is one of the demo's questions`);
    assert.equal(new Set(runs.map((r) => r.conversationId)).size, 1, 'one conversation');
    // It waits for a key, so that what it said stays on screen.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(term.exitStatus, undefined, 'the terminal stays open when the sample has finished');
    term.sendText('x');
    await until('the terminal to finish', () => term.exitStatus, 30_000);
    assert.equal(term.exitStatus!.code, 0);
    term.dispose();
  });

  test('the receiver\'s ports are not offered for forwarding', () => {
    const attrs = vscode.workspace.getConfiguration('remote').get<Record<string, { onAutoForward?: string }>>('portsAttributes') ?? {};
    assert.equal(attrs['4318']?.onAutoForward, 'ignore');
    assert.equal(attrs['4317']?.onAutoForward, 'ignore');
  });
});
