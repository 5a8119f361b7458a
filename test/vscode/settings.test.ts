// The typed settings table, the manifest that declares them, and the capture environment rules.
import { parsePriceOverrides } from '../../src/genai/pricing';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS, readSettings, effectOf, portInUseText, type SettingKey } from '../../src/vscode/settings';
import { capturePlan, withCaptureEnv, CAPTURE_VARIABLES } from '../../src/captureEnv';
import { serveArgs } from '../../src/vscode/discovery';
import { COMMAND_IDS, CONTEXT_KEYS } from '../../src/vscode/commands';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

test('package.json declares exactly the settings the table reads, with the same defaults', () => {
  const props = manifest.contributes.configuration.properties as Record<string, { default: unknown }>;
  assert.deepEqual(Object.keys(props).sort(), Object.keys(SETTINGS).map((k) => `agentLens.${k}`).sort());
  for (const [k, spec] of Object.entries(SETTINGS)) assert.deepEqual(props[`agentLens.${k}`]!.default, spec.default, k);
});

test('package.json: every command is in the Agent Lens category, and every menu names a declared command', () => {
  const ids = new Set((manifest.contributes.commands as { command: string; category: string }[]).map((c) => { assert.equal(c.category, 'Agent Lens'); return c.command; }));
  for (const list of Object.values(manifest.contributes.menus as Record<string, { command: string }[]>)) for (const m of list) assert.ok(ids.has(m.command), m.command);
  for (const id of ['agentLens.showRuns', 'agentLens.openRunById', 'agentLens.importFile', 'agentLens.clearRuns', 'agentLens.copyEndpoint', 'agentLens.restartReceiver']) assert.ok(ids.has(id), id);
  // After startup, and as soon as a replay is asked for (F5 before startup has finished).
  assert.deepEqual(manifest.activationEvents, ['onStartupFinished', 'onDebugResolve:agent-lens', 'onDebugDynamicConfigurations:agent-lens']);
  // The replay debugger: its type, launch and attach, and configurations for launch.json.
  const dbg = (manifest.contributes.debuggers as { type: string; configurationAttributes: Record<string, unknown>; initialConfigurations: { type: string }[] }[])[0]!;
  assert.equal(dbg.type, 'agent-lens');
  assert.deepEqual(Object.keys(dbg.configurationAttributes).sort(), ['attach', 'launch']);
  assert.ok(dbg.initialConfigurations.every((c) => c.type === 'agent-lens'));
  assert.deepEqual(manifest.extensionKind, ['workspace']);
});

test('package.json declares exactly the commands the extension types (commands.ts), and reads only the context keys it sets', () => {
  assert.deepEqual((manifest.contributes.commands as { command: string }[]).map((c) => c.command).sort(), [...COMMAND_IDS].sort());
  // Context keys of ours in when clauses and the walkthrough's completion events (a view's id, the
  // run view's panel id and config.* settings are not context keys the extension sets).
  const read = new Set<string>();
  const walk = (v: unknown, key = ''): void => {
    if (typeof v === 'string') {
      if (key === 'when') for (const m of v.matchAll(/(?<![.\w])(agentLens\.[A-Za-z]+)\b/g)) read.add(m[1]!);
      if (v.startsWith('onContext:')) read.add(v.slice('onContext:'.length));
    } else if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(manifest.contributes);
  for (const k of ['agentLens.runs', 'agentLens.run']) read.delete(k);
  for (const k of read) assert.ok((CONTEXT_KEYS as readonly string[]).includes(k), `${k} is read in package.json but never set`);
  for (const k of ['agentLens.hasRuns', 'agentLens.runArrived', 'agentLens.runsFiltered', 'agentLens.activeRunPreview']) assert.ok(read.has(k), `${k} is read`);
});

test('bad setting values fall back to the default, each with a message that says what is expected', () => {
  const given: Partial<Record<SettingKey, unknown>> = { 'server.httpPort': 70000, 'server.host': '0.0.0.0', 'capture.batchDelayMs': 'fast', 'prices.overrides': [{ model: 'x', input: '1' }] };
  const { settings, problems } = readSettings((k) => given[k]);
  assert.equal(settings['server.httpPort'], 4318);
  assert.equal(settings['server.host'], '0.0.0.0');
  assert.equal(settings['capture.batchDelayMs'], 200);
  assert.deepEqual(settings['prices.overrides'], []);
  assert.equal(problems.length, 3);
  assert.match(problems[0]!, /agentLens\.server\.httpPort should be an integer port, 0–65535; got 70000\. Using 4318\./);
  // The receiver's validator decides: a negative price is refused here, so it never reaches --prices.
  const negative = readSettings((k) => (k === 'prices.overrides' ? [{ model: 'my-model', input: -1, output: 2 }] : undefined));
  assert.deepEqual(negative.settings['prices.overrides'], []);
  assert.match(negative.problems[0]!, /agentLens\.prices\.overrides should be .*numbers >= 0/);
  assert.throws(() => parsePriceOverrides([{ model: 'my-model', input: -1, output: 2 }]), /\[0\]\.input: expected USD per million tokens \(a number >= 0\)/);
  const ok = readSettings((k) => (k === 'prices.overrides' ? [{ model: 'my-model', input: 1, output: 2, cacheRead: 0.1 }] : undefined));
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.settings['prices.overrides'], [{ model: 'my-model', input: 1, output: 2, cacheRead: 0.1 }]);
});

test('what a settings change needs', () => {
  assert.equal(effectOf(['capture.batchDelayMs']), 'environment');
  assert.equal(effectOf(['capture.batchDelayMs', 'server.httpPort']), 'restart');
  assert.equal(effectOf(['prices.overrides']), 'restart');
});

test('serve arguments follow the settings', () => {
  const { settings } = readSettings((k) => ({ 'server.httpPort': 0, 'server.persist': false, 'server.dataDir': '/x' } as Record<string, unknown>)[k]);
  const args = serveArgs(settings, '/tmp/prices.json');
  assert.deepEqual(args.slice(0, 4), ['serve', '--json', '--http-port', '0']);
  assert.ok(args.includes('--no-persist') && !args.includes('--data-dir'));
  assert.deepEqual(args.slice(-2), ['--prices', '/tmp/prices.json']);
  const cors = serveArgs(readSettings((k) => (k === 'server.corsOrigins' ? ['http://my-app.test:8080', 'https://app.example.com'] : undefined)).settings);
  assert.deepEqual(cors.filter((_, i) => cors[i - 1] === '--cors-origin'), ['http://my-app.test:8080', 'https://app.example.com']);
  const badCors = readSettings((k) => (k === 'server.corsOrigins' ? ['http://x.test/path'] : undefined));
  assert.deepEqual(badCors.settings['server.corsOrigins'], []);
  assert.match(badCors.problems[0]!, /agentLens\.server\.corsOrigins should be a list of origins/);
  const mapped = readSettings((k) => (k === 'source.pathMappings' ? [{ from: '/app', to: '${workspaceFolder}/svc' }] : undefined));
  assert.deepEqual(mapped.settings['source.pathMappings'], [{ from: '/app', to: '${workspaceFolder}/svc' }]);
  const badMap = readSettings((k) => (k === 'source.pathMappings' ? [{ from: '/app' }] : undefined));
  assert.deepEqual(badMap.settings['source.pathMappings'], []);
  assert.match(badMap.problems[0]!, /agentLens\.source\.pathMappings should be a list of/);
  const persisted = serveArgs(readSettings((k) => (k === 'server.dataDir' ? '/data' : undefined)).settings);
  assert.deepEqual(persisted.slice(persisted.indexOf('--data-dir'), persisted.indexOf('--data-dir') + 2), ['--data-dir', '/data']);
});

test('capture environment: injected when trusted and on, never over what the user set', () => {
  const on = { inject: true, trusted: true, batchDelayMs: 250, messageContent: true };
  const p = capturePlan('http://127.0.0.1:4318', on);
  assert.deepEqual(p.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_BSP_SCHEDULE_DELAY: '250', OTEL_BLRP_SCHEDULE_DELAY: '250',
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true', TRACELOOP_TRACE_CONTENT: 'true',
  });
  // Every variable injected is documented (the README lists CAPTURE_VARIABLES).
  const withHelper = capturePlan('http://127.0.0.1:4318', { ...on, nodeHelper: '/ext dir/dist/capture-node.js', pythonHelperDir: '/ext dir/dist/capture-python', pathDelimiter: ':', live: { token: 'tok-1', pauseTimeoutSeconds: 90 } });
  // The live gate rides in the Node helper: where it connects, with the receiver's token, and its timeout.
  assert.deepEqual([withHelper.env.AGENT_LENS_LIVE_URL, withHelper.env.AGENT_LENS_TOKEN, withHelper.env.AGENT_LENS_LIVE_PAUSE_TIMEOUT_SECONDS], ['ws://127.0.0.1:4318/live', 'tok-1', '90']);
  assert.deepEqual(withHelper.append, { NODE_OPTIONS: ' --require "/ext dir/dist/capture-node.js"' });
  assert.deepEqual(withHelper.prepend, { PYTHONPATH: '/ext dir/dist/capture-python:' });
  assert.deepEqual([...Object.keys(withHelper.env), ...Object.keys(withHelper.append), ...Object.keys(withHelper.prepend)].sort(), Object.keys(CAPTURE_VARIABLES).sort());
  const off = capturePlan('http://x', { ...on, nodeHelper: '/h.js', pythonHelperDir: '/p', callSites: false, live: { token: 't', pauseTimeoutSeconds: 600 } });
  assert.deepEqual([off.append, off.prepend, off.env.AGENT_LENS_LIVE_URL], [{}, {}, undefined]);
  // The Python helper goes first on the app's PYTHONPATH (it hands over to any sitecustomize after
  // it); with nothing after it, no separator (an empty entry would put the current directory on sys.path).
  assert.equal(withCaptureEnv({ PYTHONPATH: 'src' }, withHelper, { PYTHONPATH: '/lib' }).PYTHONPATH, '/ext dir/dist/capture-python:src');
  assert.equal(withCaptureEnv({}, withHelper, { PYTHONPATH: '/lib' }).PYTHONPATH, '/ext dir/dist/capture-python:/lib');
  assert.equal(withCaptureEnv({}, withHelper).PYTHONPATH, '/ext dir/dist/capture-python');
  // Appended to the app's own NODE_OPTIONS: the configuration's, else the editor's environment's.
  assert.equal(withCaptureEnv({ NODE_OPTIONS: '--max-old-space-size=4096' }, withHelper).NODE_OPTIONS, '--max-old-space-size=4096 --require "/ext dir/dist/capture-node.js"');
  assert.equal(withCaptureEnv({}, withHelper, { NODE_OPTIONS: '--enable-source-maps' }).NODE_OPTIONS, '--enable-source-maps --require "/ext dir/dist/capture-node.js"');
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  for (const k of Object.keys(CAPTURE_VARIABLES)) assert.ok(readme.includes(k), `README names ${k}`);
  assert.deepEqual(capturePlan('http://x', { ...on, trusted: false }).env, {});
  assert.match(capturePlan('http://x', { ...on, trusted: false }).notes[0]!, /not trusted/);
  assert.deepEqual(capturePlan('http://x', { ...on, inject: false }).env, {});
  assert.equal(capturePlan('http://x', { ...on, messageContent: false }).env.TRACELOOP_TRACE_CONTENT, undefined);
  const mine = capturePlan('http://x', on, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
  assert.equal(mine.env.OTEL_EXPORTER_OTLP_ENDPOINT, undefined);
  assert.match(mine.notes[0]!, /already set .* left as it is/);
  // A debug configuration's own env wins over the injected one.
  assert.deepEqual(withCaptureEnv({ OTEL_BSP_SCHEDULE_DELAY: '1000', FOO: 'bar' }, p), { ...p.env, OTEL_BSP_SCHEDULE_DELAY: '1000', FOO: 'bar' });
});

test('a port held by another program: the editor names the setting and the free port, not the CLI flag', () => {
  const t = portInUseText(4318, 4319, 'server.httpPort');
  assert.equal(t, 'Port 4318 is taken by another program, so the receiver cannot start there. Set agentLens.server.httpPort to a free port (4319 is free: the notification offers it).');
  assert.ok(!/--/.test(t));
  assert.match(portInUseText(4317, null, 'server.grpcPort'), /Set agentLens\.server\.grpcPort to a free port\.$/);
});
