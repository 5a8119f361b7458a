// Agent Lens in a real VS Code (code-server 1.100.3, headless Chromium): the packaged .vsix is
// installed into a fresh editor; "Agent Lens: Show Runs" from the palette starts the receiver and
// opens the views; an agent run with a real SDK and instrumentation is started from the editor's
// own terminal, configured only by the environment the extension injected; the run appears in the
// Runs tree and opens in the webview (checked in its DOM, two frames deep). Then the extension-host
// mocha suite (test/vscode/suite) runs in the same editor.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TraceResponse } from '../../src/protocol';
import { execFileSync } from 'node:child_process';
import { freePort, tmpDir, waitFor } from '../helpers/server';
import { browserSkipReason, openBrowser, type Browser } from '../helpers/browser';
import { contrast, renderedColors } from '../helpers/contrast';
import { codeServerSkipReason, installExtension, openWorkbench, runCommand, startCodeServer, webviewFrame, type CodeServer } from '../helpers/codeServer';
import { startMockModel, type MockModel } from '../../src/demo/mockModel';
import { longRunBodies } from '../helpers/syntheticRuns';

const ROOT = path.join(__dirname, '..', '..');
const skip = browserSkipReason() || codeServerSkipReason() || false;
const cleanup: (() => Promise<unknown> | unknown)[] = [];
after(async () => { for (const f of cleanup.reverse()) await f(); });

/** Receiver processes on this run's port, whichever copy of the extension started them. */
function receiverPids(httpPort: number): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmd.includes('cli.js\0serve') && cmd.includes(`--http-port\0${httpPort}\0`);
    } catch { return false; }
  }).map(Number);
}

/** Stops every receiver this run's editor started (they are detached: they outlive the editor by design). */
function killReceivers(run: string, httpPort: number): void {
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(`${run}/ext/`) || (cmd.includes('cli.js\0serve') && cmd.includes(`--http-port\0${httpPort}\0`))) process.kill(Number(pid), 'SIGTERM');
    } catch { /* gone, or not ours */ }
  }
}

/** The debug configuration picker, opened again until it offers `name` (the editor reads a launch.json just written a moment later). */
async function pickConfiguration(page: Browser['page'], name: string) {
  const pickRows = page.locator('.quick-input-list .monaco-list-row');
  for (let i = 0; ; i++) {
    await runCommand(page, 'Debug: Select and Start Debugging');
    await pickRows.first().waitFor({ timeout: 15_000 });
    if ((await pickRows.allTextContents()).some((t) => t.includes(name)) || i >= 20) break;
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1000);
  }
  return pickRows;
}

test('the .vsix in a real VS Code: palette, receiver, a run from the editor\'s terminal in the tree and the webview, then the extension-host suite', { skip, timeout: 900_000 }, async () => {
  const run = tmpDir('al-vscode-');
  const stateDir = path.join(run, 'state');
  const extra = { AGENT_LENS_STATE_DIR: stateDir, E2E_TEST_RESULTS: path.join(run, 'suite.json') };
  let httpPort = 0;
  cleanup.push(() => killReceivers(run, httpPort));

  // The .vsix as `npm run package` builds it: the production bundles (minified), packaged from a
  // staging copy of what the .vsix holds, so that the tests' own dist/ is left as it is.
  const vsix = path.join(run, 'agent-lens.vsix');
  const stage = path.join(run, 'stage');
  fs.mkdirSync(stage, { recursive: true });
  execFileSync(process.execPath, ['esbuild.mjs', '--production', `--outdir=${path.join(stage, 'dist')}`], { cwd: ROOT, stdio: 'pipe' });
  for (const f of ['package.json', 'README.md', 'LICENSE', '.vscodeignore']) fs.copyFileSync(path.join(ROOT, f), path.join(stage, f));
  fs.cpSync(path.join(ROOT, 'media'), path.join(stage, 'media'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'docs'), path.join(stage, 'docs'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'schemas'), path.join(stage, 'schemas'), { recursive: true });
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--out', vsix], { cwd: stage, stdio: 'pipe' });
  const size = fs.statSync(vsix).size;
  assert.ok(size < 3_000_000, `the .vsix is ${size} bytes`);
  installExtension(run, vsix, extra);
  assert.ok(fs.readdirSync(path.join(run, 'ext')).some((d) => d.startsWith('agent-lens.agent-lens-')), 'installed');

  httpPort = await freePort();
  const cs: CodeServer = await startCodeServer(run, await freePort(), {
    'agentLens.server.httpPort': httpPort, 'agentLens.server.grpcPort': await freePort(), 'agentLens.server.persist': false,
    // Room for the 1,000,000-span run opened at the end.
    'agentLens.server.maxMemoryMb': 4096,
    // The terminal's text in the page (the DOM renderer), to read what the sample agent said.
    'terminal.integrated.gpuAcceleration': 'off',
  }, extra);
  cleanup.push(() => cs.stop());
  const mock: MockModel = await startMockModel();
  cleanup.push(() => mock.close());
  const browser: Browser = await openBrowser({ width: 1440, height: 900 });
  cleanup.push(() => browser.close());
  const { page } = browser;

  await openWorkbench(page, cs);
  await runCommand(page, 'Agent Lens: Show Runs');
  // The status bar names the receiver's port once the extension has started it.
  await page.locator('#workbench\\.parts\\.statusbar', { hasText: `Agent Lens :${httpPort}` }).waitFor({ timeout: 60_000 });
  const state = JSON.parse(fs.readFileSync(path.join(stateDir, 'server.json'), 'utf8')) as { httpPort: number; token: string };
  assert.equal(state.httpPort, httpPort);
  const wv = webviewFrame(page);
  await wv.locator('table.runs').waitFor({ timeout: 30_000 }).catch(async (e) => { await page.screenshot({ path: path.join(run, 'start-failed.png') }); throw e; });
  await wv.locator('.conn.connected').waitFor({ state: 'attached' }); // hidden in the editor while all is well

  // The walkthrough's "See your first run" is not checked while there is no run.
  const firstStep = page.locator('.gettingStartedContainer [data-done-step-id$="#first"]').first();
  await runCommand(page, 'Welcome: Open Walkthrough...');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with Agent Lens' }).first().click();
  await firstStep.waitFor({ state: 'attached', timeout: 30_000 });
  assert.equal(await firstStep.getAttribute('aria-checked'), 'false');
  // "The receiver is running", the step in front, is checked as it is read (VS Code never checks a
  // step for a context already true when it first reads the walkthrough).
  await page.locator('.gettingStartedContainer [data-done-step-id$="#receiver"][aria-checked="true"]').first().waitFor({ state: 'attached', timeout: 15_000 });

  // An agent run from the editor's own terminal, configured only by the injected environment:
  // "$OTEL_EXPORTER_OTLP_ENDPOINT" is expanded by the terminal's shell.
  const out = path.join(run, 'agent.out');
  await runCommand(page, 'Terminal: Create New Terminal');
  const xterm = page.locator('.terminal-wrapper .xterm').first();
  await xterm.waitFor({ timeout: 30_000 });
  await xterm.click();
  await page.waitForTimeout(500);
  await page.keyboard.type(`node ${path.join(ROOT, 'dist-test', 'helpers', 'agentRun.js')} otel "$OTEL_EXPORTER_OTLP_ENDPOINT" ${mock.url} > ${out} 2>&1\n`);
  const traceId = await waitFor('the agent run in the terminal', () => {
    const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    const m = /"traceId":"([0-9a-f]{32})"/.exec(text);
    if (!m && /Error|error/.test(text)) throw new Error(text);
    return m?.[1];
  }, 60_000);

  // The Runs tree: the run under its conversation.
  // Labelled by the user's question (the app's AGENT.user).
  const treeRow = page.locator('.monaco-list-row', { hasText: 'Plan a weekend in Lisbon' });
  await treeRow.waitFor({ timeout: 30_000 });
  await page.locator('.monaco-list-row', { hasText: 'conversation conv-42' }).waitFor();
  // The first run arrived: the walkthrough step is checked.
  await runCommand(page, 'Welcome: Open Walkthrough...');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with Agent Lens' }).first().click();
  await page.locator('.gettingStartedContainer [data-done-step-id$="#first"][aria-checked="true"]').first().waitFor({ state: 'attached', timeout: 30_000 }).catch(async (e) => {
    await page.screenshot({ path: path.join(run, 'walkthrough-failed.png') });
    throw new Error(`${(e as Error).message}\nsteps: ${(await page.locator('[data-done-step-id]').evaluateAll((els) => els.map((x) => `${x.getAttribute('data-done-step-id')}=${x.getAttribute('aria-checked')}`))).join(', ')}; see ${run}`);
  });
  await runCommand(page, 'View: Close All Editors');
  await treeRow.click();
  // The webview opens the run in a tab titled after it: five steps, the model call's transcript and tokens.
  await page.locator('.tabs-container .tab', { hasText: 'Plan a weekend in Lisbon' }).waitFor({ timeout: 30_000 });
  await wv.locator('.run-view[data-ready]').waitFor({ timeout: 30_000 });
  assert.match(await wv.locator('.trace-id').textContent() ?? '', new RegExp(traceId));
  // (The agent, its first model call, then the two tools and the second call: the SDK stamps whole
  // milliseconds, so the second tool and the second call can start in the same one, and siblings
  // that start together keep the order their concurrent exports arrived in.)
  const badges = await wv.locator('.row .badge').allTextContents();
  assert.deepEqual([...badges.slice(0, 3), ...badges.slice(3).sort()], ['agent', 'LLM', 'tool', 'LLM', 'tool']);
  await wv.locator('.row.k-llm').first().click();
  await wv.locator('.detail[data-loaded] .part.tool-call').first().waitFor();
  assert.match(await wv.locator('.detail .part.tool-call').first().textContent() ?? '', /get_weather.*city: "Lisbon"/s);
  const input = Number(await wv.locator('.detail [data-tokens="input"]').textContent());
  assert.equal(input, mock.usages[0]!.prompt_tokens);

  // Go to source, recorded by the call-site helper the terminal loaded: the model call's chip
  // opens the app's file at its create(...) call; a tool row's ↗ at the line that ran the tool.
  // The truth is the app's own text.
  const appFile = path.join(ROOT, 'dist-test', 'helpers', 'agentRun.js');
  const appLines = fs.readFileSync(appFile, 'utf8').split('\n');
  const lineOf = (text: string) => appLines.findIndex((l) => l.includes(text)) + 1;
  const cursorAt = (line: number) => page.locator('.tabs-container .tab.active', { hasText: 'agentRun.js' }).waitFor({ timeout: 30_000 })
    .then(() => page.locator('#status\\.editor\\.selection', { hasText: new RegExp(`Ln ${line},`) }).waitFor({ timeout: 30_000 }));
  const chip = wv.locator('.detail .d-source button.chip.source').first();
  assert.match(await chip.textContent() ?? '', new RegExp(`agentRun\\.js:${lineOf('client.chat.completions.create(')}`));
  await chip.click();
  await cursorAt(lineOf('client.chat.completions.create('));
  // A tool row's ↗ goes to the tool's definition (here the app's tool table, found by name in the
  // run's own file), and its detail says both: where it is defined, then where it was called.
  const toolRow = wv.locator('.row.k-tool', { hasText: 'execute_tool get_weather' }).first();
  await toolRow.hover();
  await toolRow.locator('.go-source').click();
  await cursorAt(lineOf('name: "get_weather"'));
  // The second jump reuses the editor beside the run view: two groups, the run still in sight.
  assert.equal(await page.locator('.editor-group-container').count(), 2);
  await toolRow.click();
  await wv.locator('.detail[data-loaded] h2', { hasText: 'execute_tool get_weather' }).waitFor({ timeout: 15_000 });
  const definedAt = wv.locator('.detail[data-loaded] .defined-at button.chip');
  await definedAt.waitFor({ timeout: 15_000 });
  assert.match(await definedAt.textContent() ?? '', new RegExp(`^agentRun\\.js:${lineOf('name: "get_weather"')} get_weather`));
  const calledAt = wv.locator('.detail[data-loaded] button.chip.called-at');
  assert.match(await calledAt.textContent() ?? '', new RegExp(`^agentRun\\.js:${lineOf('tracer.startActiveSpan(name, { attributes }')}`));
  const order = await wv.locator('.detail[data-loaded] .d-source').allTextContents();
  assert.ok(order[0]!.startsWith('Defined at') && order[1]!.startsWith('Called at'), order.join(' | '));
  await calledAt.click();
  await cursorAt(lineOf('tracer.startActiveSpan(name, { attributes }'));

  // The README's picture: the Runs tree, the run view, the source beside it, the terminal that ran the agent.
  await page.screenshot({ path: path.join(run, 'vscode.png') });
  if (process.env.AGENT_LENS_UPDATE_DOCS) fs.copyFileSync(path.join(run, 'vscode.png'), path.join(ROOT, 'docs', 'vscode.png'));

  // Step through the run with the editor's own debugger: F5 on a launch configuration, a function
  // breakpoint on a tool, the toolbar, the Variables view, step back, the run view following.
  fs.mkdirSync(path.join(cs.workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(cs.workspace, '.vscode', 'launch.json'), JSON.stringify({ version: '0.2.0', configurations: [
    { type: 'agent-lens', request: 'launch', name: 'Replay the latest run', run: 'latest', stopOnEntry: true }] }, null, 2));
  const apiTrace = await (await fetch(`http://127.0.0.1:${httpPort}/api/traces/${traceId}`, { headers: { Authorization: `Bearer ${state.token}` } })).json() as TraceResponse;
  const askedFor = apiTrace.spans.flatMap((x) => x.genai?.kind === 'llm' ? x.genai.outputMessages ?? [] : []).flatMap((m) => m.parts)
    .find((p): p is { type: 'tool_call'; name: string; arguments?: unknown } => p.type === 'tool_call' && (p as { name?: string }).name === 'get_weather')!;
  try {
    // The configuration picker offers each configuration once: launch.json's, and the extension's others.
    // (Opened again until the editor has read the launch.json just written.)
    const pickRows = await pickConfiguration(page, 'Replay the latest run');
    assert.equal(await pickRows.filter({ hasText: 'Replay the latest run' }).count(), 1, (await pickRows.allTextContents()).join(' | '));
    const more = pickRows.filter({ hasText: /Agent Lens/ }).first();
    if (await more.count()) {
      await more.click();
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Follow runs as they arrive' }).first().waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Replay the latest run' }).count(), 0, 'launch.json\'s is not offered again');
    }
    await page.keyboard.press('Escape');
    // The Breakpoints pane's "+": a function breakpoint, by the tool's name.
    await runCommand(page, 'View: Show Run and Debug');
    const bpHeader = page.locator('.pane-header', { hasText: 'Breakpoints' });
    await bpHeader.waitFor({ timeout: 30_000 });
    if ((await bpHeader.getAttribute('aria-expanded')) === 'false') await bpHeader.click();
    await bpHeader.hover();
    await bpHeader.locator('.action-label[aria-label="Add Function Breakpoint"]').click();
    // The inline input: typed into once it has the focus (keys sent before that are lost).
    const bpInput = page.locator('.debug-breakpoints .monaco-inputbox input, .pane-body .monaco-inputbox.synthetic-focus input').first();
    await bpInput.waitFor({ timeout: 15_000 });
    await bpInput.fill('get_weather');
    await bpInput.press('Enter');
    await page.locator('.debug-breakpoints .monaco-list-row', { hasText: 'get_weather' }).waitFor({ timeout: 15_000 });
    await page.locator('.monaco-editor').first().click();
    await page.keyboard.press('F5');
    const toolbar = page.locator('.debug-toolbar');
    await toolbar.waitFor({ timeout: 30_000 });
    const topFrame = (name: string) => page.locator('.debug-call-stack .monaco-list-row[data-index="0"] .stack-frame', { hasText: name }).first();
    // Paused at the entry: its frame is there (not only the thread's name) and Continue is enabled.
    await page.locator('.debug-call-stack .stack-frame', { hasText: 'agent travel-agent' }).first().waitFor({ timeout: 30_000 });
    await toolbar.locator('.action-item:not(.disabled) .action-label[aria-label^="Continue"]').waitFor({ timeout: 15_000 });
    await toolbar.locator('.action-label[aria-label^="Continue"]').click();
    await page.locator('.debug-call-stack .stack-frame', { hasText: 'tool get_weather' }).first().waitFor({ timeout: 30_000 });
    // The Variables view: the tool call's arguments, as the model asked for them.
    const variables = page.locator('.debug-variables');
    await variables.locator('.monaco-list-row', { hasText: 'Tool call' }).first().click();
    await variables.locator('.monaco-list-row', { hasText: /^\s*args/ }).first().click();
    for (const [k, v] of Object.entries(askedFor.arguments as Record<string, unknown>)) {
      await variables.locator('.monaco-list-row', { hasText: new RegExp(`${k}[\\s:=]*${JSON.stringify(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).first().waitFor({ timeout: 15_000 });
    }
    // The run view follows: the tool's row is the selected one.
    await wv.locator('.row.selected', { hasText: 'execute_tool get_weather' }).waitFor({ timeout: 15_000 });
    // Step back: the model call that asked for it, in the debugger and in the run view.
    await toolbar.locator('.action-label[aria-label^="Step Back"]').click();
    await topFrame('LLM gpt-4o-mini').waitFor({ timeout: 30_000 });
    await wv.locator('.row.selected.k-llm').waitFor({ timeout: 15_000 });
    // The Variables view has caught up with the model call too (before the picture).
    await variables.locator('.monaco-list-row', { hasText: /name\W+"chat gpt-4o-mini"/ }).first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(run, 'debug.png') });
    if (process.env.AGENT_LENS_UPDATE_DOCS) fs.copyFileSync(path.join(run, 'debug.png'), path.join(ROOT, 'docs', 'debug.png'));
    await toolbar.locator('.action-label[aria-label^="Stop"], .action-label[aria-label^="Disconnect"]').first().click();
    await toolbar.waitFor({ state: 'hidden', timeout: 30_000 });
  } catch (e) {
    await page.screenshot({ path: path.join(run, 'debug-failed.png') });
    throw e;
  }
  // Pause the live agent (issue 25): a live attach with the same function breakpoint (get_weather,
  // still in the Breakpoints pane); the sample agent from the palette runs in a terminal here and
  // stops before its tool runs; Variables show city = "Lisbon"; Set Value to "Porto"; the unit
  // changed in the call's JSON document; Continue.
  fs.writeFileSync(path.join(cs.workspace, '.vscode', 'launch.json'), JSON.stringify({ version: '0.2.0', configurations: [
    { type: 'agent-lens', request: 'launch', name: 'Replay the latest run', run: 'latest', stopOnEntry: true },
    { type: 'agent-lens', request: 'attach', name: 'Pause the live agent', live: true }] }, null, 2));
  try {
    const pickRows = await pickConfiguration(page, 'Pause the live agent');
    await pickRows.filter({ hasText: 'Pause the live agent' }).first().click();
    const toolbar = page.locator('.debug-toolbar');
    await toolbar.waitFor({ timeout: 30_000 });
    await runCommand(page, 'Agent Lens: Run a Sample Agent');
    await page.locator('.debug-call-stack .stack-frame', { hasText: 'tool get_weather' }).first().waitFor({ timeout: 60_000 });
    const variables = page.locator('.debug-variables');
    const city = variables.locator('.monaco-list-row', { hasText: /city\W+"Lisbon"/ }).first();
    await city.waitFor({ timeout: 15_000 });
    // Set Value (F2 on the focused variable), typed as JSON.
    await city.click();
    await page.keyboard.press('F2');
    const edit = variables.locator('.monaco-inputbox input').first();
    await edit.waitFor({ timeout: 15_000 });
    await edit.fill('"Porto"');
    await edit.press('Enter');
    await variables.locator('.monaco-list-row', { hasText: /city\W+"Porto"/ }).first().waitFor({ timeout: 15_000 });
    // A bigger edit: the call's arguments as a JSON document (with the Set Value above in it),
    // the unit changed there; Continue sends the document.
    await runCommand(page, 'Agent Lens: Edit Paused Call as JSON');
    const jsonEditor = page.locator('.editor-instance .monaco-editor', { hasText: '"Porto"' }).first();
    await jsonEditor.waitFor({ timeout: 15_000 });
    // (The word selected and typed over: typed braces or quotes would be closed by the editor.)
    await jsonEditor.locator('.view-line span', { hasText: /^"?celsius"?$/ }).first().dblclick();
    await page.keyboard.type('fahrenheit');
    await jsonEditor.locator('.view-lines', { hasText: '"unit": "fahrenheit"' }).waitFor({ timeout: 15_000 });
    await toolbar.locator('.action-item:not(.disabled) .action-label[aria-label^="Continue"]').first().click();
    // The call goes on: the thread is no longer stopped there.
    await page.locator('.debug-call-stack .stack-frame', { hasText: 'tool get_weather' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    // The document is done with: closed unsaved (an untitled one would ask to be saved).
    await jsonEditor.click();
    await runCommand(page, 'View: Revert and Close Editor');
    await jsonEditor.waitFor({ state: 'detached', timeout: 15_000 });
    await toolbar.locator('.action-label[aria-label^="Stop"], .action-label[aria-label^="Disconnect"]').first().click();
    await toolbar.waitFor({ state: 'hidden', timeout: 30_000 });
  } catch (e) {
    await page.screenshot({ path: path.join(run, 'live-failed.png') });
    throw new Error(`${(e as Error).message} (${run})`);
  }
  // The sample agent's two runs (the user's two turns, the demo's own text) arrive in the tree.
  await runCommand(page, 'Agent Lens: Show Runs');
  const planRow = page.locator('.monaco-list-row', { hasText: 'I want to fly from Berlin to Lisbon' }).first();
  const bookRow = page.locator('.monaco-list-row', { hasText: 'Great, book the cheapest one' }).first();
  await planRow.waitFor({ timeout: 60_000 });
  await bookRow.waitFor({ timeout: 30_000 });
  // Both whole in the receiver (a row clicked while the tree is being redrawn can miss its command: a VS Code race).
  await waitFor('the sample runs to end', async () => {
    const l = await (await fetch(`http://127.0.0.1:${httpPort}/api/traces`, { headers: { Authorization: `Bearer ${state.token}` } })).json() as { traces: { service: string; rootPending: boolean }[] };
    return l.traces.filter((t) => t.service === 'travel-agent-demo' && !t.rootPending).length === 2 || undefined;
  }, 60_000);
  // The sample's terminal stays open with what it said until a key is pressed.
  const termText = () => page.locator('.terminal-wrapper.active .xterm-rows').first().textContent().then((t) => t ?? '');
  await waitFor('the sample\'s last words', async () => /Press any key to close this terminal/.test(await termText()) || undefined, 60_000);
  const said = await termText();
  assert.match(said, /You: Great, book the cheapest one/);
  assert.match(said, /tool book_flight failed: payment gateway timed out/);
  assert.match(said, /Sent 2 agent runs \(service travel-agent-demo, conversation conv_demo_/);
  await page.waitForTimeout(1500);
  assert.match(await termText(), /Press any key to close this terminal/, 'still open');
  await page.locator('.terminal-wrapper.active .xterm').first().click();
  await page.keyboard.press('x');
  await waitFor('the sample\'s terminal closed', async () => !/Press any key/.test(await termText().catch(() => '')) || undefined, 15_000);
  await page.waitForTimeout(1000);
  await runCommand(page, 'View: Close All Editors');

  // The packaged sample's steps link to its shipped source by its own function names (the
  // production bundle keeps them), and that source opens without errors.
  await planRow.click();
  await wv.locator('.run-view[data-ready]').waitFor({ timeout: 30_000 });
  // The run view shows the tool ran with what was set in the debugger.
  await wv.locator('.row.k-tool', { hasText: 'get_weather' }).filter({ hasText: 'Porto' }).filter({ hasText: 'fahrenheit' }).first().waitFor({ timeout: 15_000 });
  await wv.locator('.row.k-llm').first().click();
  const sampleChip = wv.locator('.detail[data-loaded] .d-source button.chip.source').first();
  await sampleChip.waitFor({ timeout: 15_000 });
  const demoText = fs.readFileSync(path.join(run, 'ext', fs.readdirSync(path.join(run, 'ext')).find((d) => d.startsWith('agent-lens.agent-lens-'))!, 'dist', 'sample', 'demo.ts'), 'utf8');
  const chatLine = demoText.split('\n').findIndex((l) => l.includes('startActiveSpan(`chat ')) + 1;
  assert.equal(await sampleChip.textContent(), `demo.ts:${chatLine} chat`);
  await sampleChip.click();
  await page.locator('.tabs-container .tab.active', { hasText: 'demo.ts' }).waitFor({ timeout: 30_000 });
  await page.locator('#status\\.editor\\.selection', { hasText: new RegExp(`Ln ${chatLine},`) }).waitFor({ timeout: 30_000 });
  // The editor's TypeScript has had time to read it: no error in the Problems count.
  await page.waitForTimeout(8000);
  const problems = await page.locator('#status\\.problems').first().getAttribute('aria-label') ?? await page.locator('#status\\.problems').first().textContent() ?? '';
  assert.ok(!/[1-9]\d* Errors?/i.test(problems), `Problems: ${problems}`);
  // The span column's width, dragged in this tab, is the width of the next tab's too.
  const colW = async () => (await wv.locator('.row .cell-tree').first().boundingBox())!.width;
  const w0 = await colW();
  const grip = (await wv.locator('.tl-head-tree > .splitter').boundingBox())!;
  await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
  await page.mouse.down();
  await page.mouse.move(grip.x + grip.width / 2 + 120, grip.y + grip.height / 2, { steps: 5 });
  await page.mouse.up();
  await waitFor('the wider column', async () => Math.abs(await colW() - (w0 + 120)) <= 2 || undefined);
  const widened = await colW();
  await runCommand(page, 'View: Close All Editors');
  await bookRow.click();
  await wv.locator('.run-view[data-ready]').waitFor({ timeout: 30_000 });
  await waitFor('the remembered width in a new tab', async () => Math.abs(await colW() - widened) <= 2 || undefined, 15_000);
  await runCommand(page, 'View: Close All Editors');

  // Two runs in two tabs: a click shows a run in the preview tab, a double-click keeps it, the next run opens beside it in a tab of its own.
  const tab = (text: string) => page.locator('.tabs-container .tab', { hasText: text });
  await planRow.click();
  await tab('I want to fly').waitFor({ timeout: 30_000 }).catch(async (e) => { await page.screenshot({ path: path.join(run, 'tabs-failed.png') }); throw new Error(`${(e as Error).message} (${run})`); });
  await page.waitForTimeout(700);
  await bookRow.dblclick();
  await tab('Great, book').waitFor({ timeout: 30_000 });
  await tab('I want to fly').waitFor({ state: 'detached', timeout: 15_000 }); // the preview tab was reused
  await planRow.click();
  await tab('I want to fly').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('.tabs-container .tab').count(), 2, 'two run tabs');
  // The tree follows the tab in front.
  await tab('Great, book').click();
  await page.locator('.monaco-list-row.selected', { hasText: 'Great, book the cheapest one' }).waitFor({ timeout: 15_000 });

  // Every theme kind: the selected row and JSON values readable (WCAG AA, 4.5:1, from the rendered
  // colours), a screenshot each. The booking run, its first model call selected, its tool's arguments shown.
  await wv.locator('.run-view[data-ready]').waitFor({ timeout: 30_000 });
  // The editor's own theme picker (its labels), as a person switches themes.
  // Tried again when the picker closes under us (the webview can take the focus as it settles).
  const setTheme = async (theme: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await runCommand(page, 'Preferences: Color Theme');
        const input = page.locator('.quick-input-widget input.input');
        await input.fill(theme, { timeout: 5000 });
        await page.locator('.quick-input-list .monaco-list-row .label-name', { hasText: new RegExp(`^${theme}$`) }).first().waitFor({ timeout: 5000 });
        await input.press('Enter', { timeout: 5000 });
        return;
      } catch (e) {
        if (attempt >= 5) throw e;
        await page.keyboard.press('Escape');
        await page.waitForTimeout(500);
      }
    }
  };
  const contrasts: Record<string, { row: number; json: number }> = {};
  for (const [theme, kind] of [['Dark Modern', 'vscode-dark'], ['Light Modern', 'vscode-light'], ['Dark High Contrast', 'vscode-high-contrast'], ['Light High Contrast', 'vscode-high-contrast-light']] as const) {
    // The picker can take Enter before its list has settled on the theme typed: chosen again until the webview shows it.
    for (let attempt = 1; ; attempt++) {
      await setTheme(theme);
      try { await wv.locator(`body.${kind}`).waitFor({ state: 'attached', timeout: 15_000 }); break; } catch (e) { if (attempt >= 3) throw e; }
    }
    await wv.locator('.row.k-tool').first().click();
    const json = wv.locator('.detail[data-loaded] .tool-args .j-str').first();
    await json.waitFor({ timeout: 15_000 });
    await wv.locator('.row.k-llm').first().click();
    await wv.locator('.detail[data-loaded] .msg.output').first().waitFor({ timeout: 15_000 });
    const rowName = wv.locator('.row.selected .name').first();
    const row = await renderedColors(rowName);
    // The JSON of the tool call the model asked for, in the selected model call's transcript.
    const arg = wv.locator('.detail .part.tool-call .j-str, .detail .part.tool-call .j-num, .detail .j-str').first();
    const val = await renderedColors(arg);
    contrasts[kind] = { row: contrast(row.fg, row.bg), json: contrast(val.fg, val.bg) };
    if (kind.startsWith('vscode-high-contrast')) {
      // High contrast marks the selection with the theme's outline, not a fill.
      assert.notEqual(await wv.locator('.row.selected').first().evaluate((e) => getComputedStyle(e).outlineStyle), 'none', `${kind}: the selected row is outlined`);
    }
    await page.screenshot({ path: path.join(run, `theme-${kind}.png`) });
  }
  for (const [kind, c] of Object.entries(contrasts)) {
    assert.ok(c.row >= 4.5, `${kind}: the selected row's text has contrast ${c.row.toFixed(2)}`);
    assert.ok(c.json >= 4.5, `${kind}: a JSON value has contrast ${c.json.toFixed(2)}`);
  }
  fs.writeFileSync(path.join(run, 'contrast.json'), JSON.stringify(contrasts, null, 2));
  // The README's run view: the webview itself, in the default dark theme, the panel out of the way.
  await runCommand(page, 'View: Toggle Panel Visibility');
  await setTheme('Dark Modern');
  await wv.locator('body.vscode-dark').waitFor({ state: 'attached', timeout: 30_000 });
  await page.waitForTimeout(300);
  await page.locator('iframe.webview.ready:visible').screenshot({ path: path.join(run, 'run-view.png') });
  if (process.env.AGENT_LENS_UPDATE_DOCS) fs.copyFileSync(path.join(run, 'run-view.png'), path.join(ROOT, 'docs', 'run-view.png'));

  // A window reload joins the same receiver (it was started detached) and shows the run again.
  const pid = (JSON.parse(fs.readFileSync(path.join(stateDir, 'server.json'), 'utf8')) as { pid: number }).pid;
  await page.reload();
  await openWorkbench(page, cs);
  await page.locator('#workbench\\.parts\\.statusbar', { hasText: `Agent Lens :${httpPort}` }).waitFor({ timeout: 60_000 });
  await runCommand(page, 'Agent Lens: Show Runs');
  await page.locator('.monaco-list-row', { hasText: 'Plan a weekend in Lisbon' }).waitFor({ timeout: 30_000 });
  assert.equal((JSON.parse(fs.readFileSync(path.join(stateDir, 'server.json'), 'utf8')) as { pid: number }).pid, pid);

  // The walkthrough is there and shows its steps.
  await runCommand(page, 'Welcome: Open Walkthrough...');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with Agent Lens' }).first().click();
  const walkthrough = page.locator('.gettingStartedContainer');
  for (const step of ['The receiver is running', 'Try it with a sample agent', 'Point your app at it', 'See your first run']) {
    await walkthrough.locator('.getting-started-step', { hasText: step }).first().waitFor({ timeout: 30_000 });
  }

  // Deleting from the tree's inline icon asks first: Cancel keeps the run, Delete removes it
  // (the Runs view is still in the side bar).
  const runRow = page.locator('.monaco-list-row', { hasText: 'Plan a weekend in Lisbon' }).first();
  for (const answer of ['Cancel', 'Delete']) {
    await runRow.hover();
    await runRow.locator('.action-label[aria-label="Delete Run"]').click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    assert.match(await dialog.textContent() ?? '', /Delete the run "Plan a weekend in Lisbon.*" from the Agent Lens receiver\?/);
    await dialog.locator('.monaco-button', { hasText: answer }).click();
    await dialog.waitFor({ state: 'hidden' });
    if (answer === 'Cancel') {
      await page.waitForTimeout(1000);
      assert.equal(await runRow.count(), 1, 'Cancel keeps the run');
    }
  }
  await runRow.waitFor({ state: 'detached', timeout: 15_000 });

  // A run of 1,000,000 spans (the real SDK) opens in the webview: drawn as its rows arrive (the
  // extension hands them over in batches, no one message or string holds the run), and its last
  // step can be reached. The times are printed, a measurement, not checked.
  const big = longRunBodies(999_999, {}, 20_000);
  for (const body of big.bodies) {
    // (Sent again once on a network error, as an exporter would: a kept-alive socket can be closed as it is reused.)
    const post = () => fetch(`http://127.0.0.1:${httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) });
    const res = await post().catch(() => post()).catch((e: Error) => {
      throw new Error(`posting the big run: ${e.message} (${String((e.cause as Error | undefined)?.message ?? e.cause)}); receivers on the port: ${receiverPids(httpPort).join(', ') || 'none'}`);
    });
    assert.equal(res.status, 200);
  }
  big.bodies.length = 0;
  await runCommand(page, 'View: Close All Editors');
  // Clicked once its row says all its steps are in: a row redrawn as the summaries arrive can lose
  // the click (VS Code drops the command of a row it is replacing), as it would for a person.
  const bigRow = page.locator('.monaco-list-row', { hasText: "Step 0: find the customer's last order" }).filter({ hasText: '1000000 steps' }).first();
  await bigRow.waitFor({ timeout: 120_000 });
  const clicked = Date.now();
  await bigRow.click();
  await page.locator('.tabs-container .tab', { hasText: "Step 0: find the customer's last order" }).waitFor({ timeout: 60_000 });
  await wv.locator('.rows-layer .row').first().waitFor({ timeout: 300_000 }).catch(async (e) => {
    await page.screenshot({ path: path.join(run, 'million-failed.png') });
    const status = await fetch(`http://127.0.0.1:${httpPort}/api/status`, { headers: { Authorization: `Bearer ${state.token}` } }).then((r) => r.text()).catch((x: Error) => x.message);
    const shown = await wv.locator('body').textContent({ timeout: 5_000 }).catch((x: Error) => x.message);
    throw new Error(`${(e as Error).message}\nthe webview shows: ${shown?.slice(0, 500)}\nthe receiver's status: ${status.slice(0, 1000)}`);
  });
  const firstRows = Date.now() - clicked;
  await wv.locator('.run-view[data-ready]').waitFor({ timeout: 600_000 });
  const allRows = Date.now() - clicked;
  assert.equal(Number(await wv.locator('.rows-layer .row').first().getAttribute('aria-setsize')), 1_000_000);
  const last = big.steps[big.steps.length - 1]!.spanId;
  await wv.locator('.rows').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await wv.locator(`.row[data-id="${last}"]`).waitFor({ timeout: 30_000 });
  assert.equal(await wv.locator(`.row[data-id="${last}"]`).getAttribute('aria-posinset'), '1000000');
  console.log(`code-server webview, a 1,000,000-span run: first rows ${firstRows} ms after the click, every row in ${allRows} ms`);
  await runCommand(page, 'View: Close All Editors');
  // (Gone again before the extension-host suite, whose runs are its own.)
  assert.equal((await fetch(`http://127.0.0.1:${httpPort}/api/traces/${big.traceId}`, { method: 'DELETE', headers: { Authorization: `Bearer ${state.token}` } })).status, 200);

  // The extension-host suite, in the same editor (the repository's build as the development extension).
  const authority = `127.0.0.1:${cs.port}`;
  const remote = (p: string) => `vscode-remote://${authority}${p}`;
  const payload = [['extensionDevelopmentPath', remote(ROOT)], ['extensionTestsPath', remote(path.join(ROOT, 'dist-test', 'vscode', 'suite', 'index.js'))]];
  const suitePage = await browser.context.newPage();
  let exit!: (code: unknown) => void;
  const exited = new Promise((r) => { exit = r; });
  await suitePage.exposeFunction('codeAutomationExit', (code: unknown) => exit(code));
  const logs: string[] = [];
  suitePage.on('console', (m) => logs.push(m.text()));
  await suitePage.goto(`http://${authority}/?folder=${encodeURIComponent(cs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const code = await Promise.race([exited, new Promise((r) => { timer = setTimeout(() => r('timeout'), 240_000); })]);
  clearTimeout(timer);
  const results = fs.existsSync(extra.E2E_TEST_RESULTS)
    ? JSON.parse(fs.readFileSync(extra.E2E_TEST_RESULTS, 'utf8')) as { passed: number; failed: number; results: { title: string; ok: boolean; error?: string }[] }
    : undefined;
  for (const r of results?.results ?? []) console.log(`${r.ok ? 'ok    ' : 'FAILED'} ${r.title}${r.error ? ` -- ${r.error}` : ''}`);
  assert.equal(code, 0, `extension-host suite: ${JSON.stringify(results ?? logs.slice(-30))}`);
  assert.ok(results && results.failed === 0 && results.passed >= 6, JSON.stringify(results));
  // The second window (the suite's) joined the same receiver: still one, the same process.
  assert.equal((JSON.parse(fs.readFileSync(path.join(stateDir, 'server.json'), 'utf8')) as { pid: number }).pid, pid);
  assert.deepEqual(receiverPids(httpPort), [pid]);
});
