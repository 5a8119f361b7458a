// The per-language set-up: the walkthrough's page is the guides' own text, every guide sends to
// the endpoint it is given with a short export delay, and its lines fit the walkthrough's width.
// AGENT_LENS_UPDATE_DOCS=1 writes the page again from the guides.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { transformSync } from 'esbuild';
import { SETUP_GUIDES, guideForSdkLanguage, walkthroughMarkdown } from '../../src/vscode/setupGuide';
import { startTestServer, api, waitFor } from '../helpers/server';
import { startMockModel } from '../../src/demo/mockModel';
import type { TraceListResponse, TraceResponse } from '../../src/protocol';

const PAGE = path.join(__dirname, '..', '..', 'media', 'walkthrough', 'point.md');

test('the walkthrough page is the guides\' text', () => {
  if (process.env.AGENT_LENS_UPDATE_DOCS) fs.writeFileSync(PAGE, walkthroughMarkdown());
  assert.equal(fs.readFileSync(PAGE, 'utf8'), walkthroughMarkdown(), 'media/walkthrough/point.md is out of date: run the test with AGENT_LENS_UPDATE_DOCS=1');
});

test('each guide: the endpoint it is given, a short export delay, lines of 64 characters at most', () => {
  assert.deepEqual(SETUP_GUIDES.map((g) => g.label), ['Python', 'Node.js / TypeScript', 'Java', 'Go', '.NET']);
  const endpoint = 'http://127.0.0.1:14318';
  const delay: Record<string, RegExp> = {
    python: /schedule_delay_millis=200/, node: /scheduledDelayMillis: 200/, java: /OTEL_BSP_SCHEDULE_DELAY=200/,
    go: /WithBatchTimeout\(200\*time\.Millisecond\)/, dotnet: /ScheduledDelayMilliseconds = 200/,
  };
  for (const g of SETUP_GUIDES) {
    const text = g.text(endpoint);
    assert.ok(text.includes(g.id === 'go' ? '"127.0.0.1:14318"' : endpoint), `${g.id} uses the endpoint`);
    assert.ok(!text.includes('4318"') || text.includes('14318'), `${g.id}: no default port left`);
    assert.match(text, delay[g.id]!, `${g.id} sets a short delay`);
    // What the late-run notice says for it names the same switch.
    assert.match(g.shortDelay, g.id === 'python' || g.id === 'java' ? /OTEL_BSP_SCHEDULE_DELAY=200/ : delay[g.id]!);
    for (const line of text.split('\n')) assert.ok(line.length <= 64, `${g.id}: "${line}" is ${line.length} characters`);
  }
});

test('the guide for a run\'s telemetry.sdk.language', () => {
  assert.equal(guideForSdkLanguage('nodejs')?.id, 'node');
  assert.equal(guideForSdkLanguage('python')?.id, 'python');
  assert.equal(guideForSdkLanguage('dotnet')?.id, 'dotnet');
  assert.equal(guideForSdkLanguage('go')?.id, 'go');
  assert.equal(guideForSdkLanguage('java')?.id, 'java');
  assert.equal(guideForSdkLanguage('rust'), undefined);
  assert.equal(guideForSdkLanguage(undefined), undefined);
});

test('the Node guide, run as written (its tracing file first, then an app on the OpenAI client, against the mock model): a complete run with the service name, the prompt, the answer and the mock\'s tokens', async () => {
  const root = path.join(__dirname, '..', '..');
  // Inside the project, so that the guide's packages resolve from its node_modules as they would from the app's.
  fs.mkdirSync(path.join(root, '.test-tmp'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, '.test-tmp', 'guide-node-'));
  const server = await startTestServer({ dataDir: null });
  const mock = await startMockModel();
  try {
    const guide = SETUP_GUIDES.find((g) => g.id === 'node')!;
    const question = 'Which terminal at Lisbon airport do TAP flights leave from?';
    const app = `import './tracing';
import OpenAI from 'openai';
const client = new OpenAI({ baseURL: process.env.MODEL_URL, apiKey: 'sk-test', maxRetries: 0 });
client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: ${JSON.stringify(question)} }] })
  .then((r) => console.log(JSON.stringify({ answer: r.choices[0]!.message.content })));
`;
    // TypeScript as the user's build would make it: CommonJS, one file for one file.
    for (const [name, text] of [['tracing', guide.text(`http://127.0.0.1:${server.httpPort}`)], ['app', app]] as const) {
      fs.writeFileSync(path.join(dir, `${name}.ts`), text);
      fs.writeFileSync(path.join(dir, `${name}.js`), transformSync(text, { loader: 'ts', format: 'cjs', target: 'node20' }).code);
    }
    const env: NodeJS.ProcessEnv = { ...process.env, MODEL_URL: mock.url };
    for (const k of Object.keys(env)) if (k.startsWith('OTEL_') || k === 'NODE_OPTIONS') delete env[k];
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(dir, 'app.js')], { env, cwd: dir, timeout: 30_000 });
    const { answer } = JSON.parse(stdout.trim()) as { answer: string };
    const { t, g } = await guideRun(server);
    assert.equal(t.summary.service, 'my-agent');
    assert.equal(g.contentCaptured, true);
    assert.ok(JSON.stringify(g.inputMessages).includes(question), JSON.stringify(g.inputMessages));
    assert.ok(JSON.stringify(g.outputMessages).includes(JSON.stringify(answer).slice(1, -1)), JSON.stringify(g.outputMessages));
    assert.equal(g.usage?.input, mock.usages[0]!.prompt_tokens);
    assert.equal(g.usage?.output, mock.usages[0]!.completion_tokens);
  } finally {
    await mock.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the Python guide, run as written, gives a complete run', { skip: pythonSkip() }, async () => {
  const root = path.join(__dirname, '..', '..');
  const dir = fs.mkdtempSync(path.join(root, '.test-tmp', 'guide-py-'));
  const server = await startTestServer({ dataDir: null });
  const mock = await startMockModel();
  try {
    const guide = SETUP_GUIDES.find((g) => g.id === 'python')!;
    const question = 'Which terminal at Lisbon airport do TAP flights leave from?';
    fs.writeFileSync(path.join(dir, 'tracing.py'), guide.text(`http://127.0.0.1:${server.httpPort}`));
    fs.writeFileSync(path.join(dir, 'app.py'), `import json, os
import tracing
from openai import OpenAI
client = OpenAI(base_url=os.environ["MODEL_URL"], api_key="sk-test", max_retries=0)
r = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": ${JSON.stringify(question)}}])
print(json.dumps({"answer": r.choices[0].message.content}))
`);
    const env: NodeJS.ProcessEnv = { ...process.env, MODEL_URL: mock.url };
    for (const k of Object.keys(env)) if (k.startsWith('OTEL_')) delete env[k];
    await promisify(execFile)('python3', [path.join(dir, 'app.py')], { env, cwd: dir, timeout: 60_000 });
    const { t, g } = await guideRun(server);
    assert.equal(t.summary.service, 'my-agent');
    assert.ok(JSON.stringify(g.inputMessages).includes(question));
    assert.equal(g.usage?.input, mock.usages[0]!.prompt_tokens);
  } finally {
    await mock.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Why the Python guide cannot run here, or false. */
/** The run a guide's app made, once its model call carries the prompt and the answer; its model call's view. */
async function guideRun(server: { httpPort: number; token: string }): Promise<{ t: TraceResponse; g: NonNullable<TraceResponse['spans'][number]['genai']> }> {
  const get = api(server);
  const t = await waitFor('the guide\'s run, with its prompt', async () => {
    const list = await get<TraceListResponse>('/api/traces');
    const run = list.traces[0] && await get<TraceResponse>(`/api/traces/${list.traces[0].traceId}`);
    const llm = run?.spans.find((s) => s.genai?.kind === 'llm');
    return llm?.genai?.inputMessages?.length && llm.genai.outputMessages?.length ? run : undefined;
  });
  return { t, g: t.spans.find((s) => s.genai?.kind === 'llm')!.genai! };
}

function pythonSkip(): string | false {
  try {
    execFileSync('python3', ['-c', 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, opentelemetry.instrumentation.openai_v2, openai'], { stdio: 'pipe' });
    return false;
  } catch {
    return 'the Python OpenTelemetry SDK, its OTLP exporter, opentelemetry-instrumentation-openai-v2 and openai are not all installed here (the Python package index is not reachable); the guide runs where they import';
  }
}
