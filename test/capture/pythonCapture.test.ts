// Call sites with zero configuration, in Python: the shipped sitecustomize (dist/capture-python)
// first on PYTHONPATH, as the extension injects it. With the OpenTelemetry SDK, a Python app's
// GenAI spans carry the file, line and function of the user's call (found by reading the app's
// source), also from a thread and a coroutine and under `opentelemetry-instrument`. Without it,
// the app runs exactly as it does without the helper, and a sitecustomize of its own still runs.
//
// The SDK cannot be installed on every machine that runs these tests: the tests that need it run
// where `python3 -c "import opentelemetry.sdk"` works and skip, saying why, elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseStack } from '../../src/source/stack';

const ROOT = path.join(__dirname, '..', '..');
const HELPER_DIR = path.join(ROOT, 'dist', 'capture-python');
const APP = path.join(ROOT, 'test', 'fixtures', 'python-app', 'app.py');

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const noPython = python.error || python.status !== 0 ? 'python3 is not installed' : false;
const sdk = noPython || spawnSync('python3', ['-c', 'import opentelemetry.sdk.trace'], { encoding: 'utf8' });
const noSdk = noPython || (typeof sdk === 'object' && sdk.status !== 0
  ? 'the Python OpenTelemetry SDK is not installed here (python3 -c "import opentelemetry.sdk" fails); the helper\'s work with it is tested where it is'
  : false);

/** Runs python3 with the helper first on PYTHONPATH, the rest after it: as the extension injects it. */
function py(args: string[], o: { pythonPath?: string[]; env?: NodeJS.ProcessEnv; helper?: boolean; cwd?: string } = {}) {
  const parts = [...(o.helper === false ? [] : [HELPER_DIR]), ...(o.pythonPath ?? []), ...(process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [])];
  const r = spawnSync(args[0]!, args.slice(1), {
    encoding: 'utf8', timeout: 60_000, cwd: o.cwd ?? os.tmpdir(),
    env: { ...process.env, ...o.env, PYTHONPATH: parts.join(path.delimiter) },
  });
  if (r.error) throw r.error;
  return r;
}

/** The line of the app holding `// CALL <tag>` (in Python, `# CALL <tag>`): the truth, from the source text. */
function lineOf(tag: string): number {
  const i = fs.readFileSync(APP, 'utf8').split('\n').findIndex((l) => l.endsWith(`# CALL ${tag}`));
  assert.ok(i >= 0, tag);
  return i + 1;
}

type Out = { sitecustomize: string | null; spans: { name: string; attributes: Record<string, unknown> }[] };
function spansOf(stdout: string): Out {
  return JSON.parse(stdout.trim().split('\n').pop()!) as Out;
}

function checkApp(out: Out): void {
  const where = out.spans.map((s) => [s.name, s.attributes['code.file.path'], s.attributes['code.line.number'], s.attributes['code.function.name']]);
  assert.deepEqual(where, [
    ['chat gpt-4o-mini', APP, lineOf('plan'), 'plan_trip'],
    ['execute_tool get_weather', APP, lineOf('tool'), 'plan_trip'],
    ['chat gpt-4o-mini', APP, lineOf('thread'), 'in_thread'],
    ['chat gpt-4o-mini', APP, lineOf('coroutine'), 'in_coroutine'],
    ['db.query', undefined, undefined, undefined],
  ]);
  // The short stack is Python's own traceback format, user frames only: it reads back to the call.
  const stack = parseStack(String(out.spans[0]!.attributes['code.stacktrace']));
  assert.equal(stack.language, 'python');
  assert.deepEqual(stack.frames[0], { path: APP, line: lineOf('plan'), function: 'plan_trip' });
  assert.ok(stack.frames.every((f) => f.path === APP), JSON.stringify(stack.frames));
}

test('with the OpenTelemetry SDK: GenAI spans carry the line of the user\'s call (not the installed client\'s), from threads and coroutines too', { skip: noSdk }, () => {
  const r = py(['python3', APP]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = spansOf(r.stdout);
  assert.equal(out.sitecustomize, path.join(HELPER_DIR, 'sitecustomize.py'));
  checkApp(out);
  // Off: nothing is recorded.
  const off = spansOf(py(['python3', APP], { env: { AGENT_LENS_CAPTURE: '0' } }).stdout);
  assert.ok(off.spans.every((s) => s.attributes['code.file.path'] === undefined));
});

const instrument = noSdk || (() => {
  const found = spawnSync('sh', ['-c', 'command -v opentelemetry-instrument'], { encoding: 'utf8' });
  if (found.status === 0) return { bin: found.stdout.trim() };
  const mod = spawnSync('python3', ['-c', 'import opentelemetry.instrumentation.auto_instrumentation'], { encoding: 'utf8' });
  if (mod.status !== 0) return 'opentelemetry-instrument (the opentelemetry-instrumentation package) is not installed here';
  // The console script pip writes for the package's entry point.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-otel-instrument-'));
  const bin = path.join(dir, 'opentelemetry-instrument');
  fs.writeFileSync(bin, '#!/usr/bin/env python3\nimport sys\nfrom opentelemetry.instrumentation.auto_instrumentation import run\nif __name__ == "__main__":\n    sys.exit(run())\n', { mode: 0o755 });
  return { bin };
})();

test('under opentelemetry-instrument: its sitecustomize runs (the instrumentation is set up) and so does the helper', { skip: typeof instrument === 'string' ? instrument : false }, () => {
  const { bin } = instrument as { bin: string };
  const r = py([bin, 'python3', APP], { env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' } });
  assert.equal(r.status, 0, r.stderr);
  const out = spansOf(r.stdout);
  assert.match(out.sitecustomize ?? '', /opentelemetry[/\\]instrumentation[/\\]auto_instrumentation[/\\]sitecustomize\.py$/);
  checkApp(out);
});

test('without OpenTelemetry the app runs as it does without the helper; its own sitecustomize still runs, its errors reported as Python reports them', { skip: noPython }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-py-'));
  const theirs = path.join(dir, 'theirs');
  fs.mkdirSync(theirs);
  const script = path.join(dir, 'main.py');
  fs.writeFileSync(script, [
    'import json, sys, threading',
    'import sitecustomize',
    'print(json.dumps({"args": sys.argv[1:], "theirs": getattr(sitecustomize, "MARK", None), "meta_path": len(sys.meta_path)}))',
    'sys.stderr.write("app stderr\\n")',
    'sys.exit(3)',
  ].join('\n'));
  const compare = (env: NodeJS.ProcessEnv = {}) => {
    const base = py(['python3', script, 'a b', 'c'], { pythonPath: [theirs], helper: false, env });
    const withHelper = py(['python3', script, 'a b', 'c'], { pythonPath: [theirs], env });
    assert.equal(withHelper.status, base.status);
    assert.equal(withHelper.stderr, base.stderr);
    return { base: JSON.parse(base.stdout) as { theirs: unknown; meta_path: number; args: string[] }, withHelper: JSON.parse(withHelper.stdout) as { theirs: unknown; meta_path: number; args: string[] } };
  };

  fs.writeFileSync(path.join(theirs, 'sitecustomize.py'), 'MARK = "theirs ran"\n');
  let { base, withHelper } = compare();
  assert.equal(base.theirs, 'theirs ran');
  assert.deepEqual(withHelper.args, ['a b', 'c']);
  assert.equal(withHelper.theirs, 'theirs ran', 'the existing sitecustomize runs, and is the module named sitecustomize');
  // The only trace of the helper: one finder waiting for the SDK's import (and when off, none).
  assert.equal(withHelper.meta_path, base.meta_path + 1);
  ({ base, withHelper } = compare({ AGENT_LENS_CAPTURE: '0' }));
  assert.equal(withHelper.theirs, 'theirs ran');
  assert.equal(withHelper.meta_path, base.meta_path);

  // Their sitecustomize fails: Python says so, as it would without the helper, and the app runs on.
  fs.writeFileSync(path.join(theirs, 'sitecustomize.py'), 'raise RuntimeError("their setup failed")\n');
  const failing = py(['python3', '-c', 'print("app ran")'], { pythonPath: [theirs] });
  assert.equal(failing.status, 0);
  assert.equal(failing.stdout, 'app ran\n');
  assert.match(failing.stderr, /Error in sitecustomize.*\nRuntimeError: their setup failed/);
  assert.equal(failing.stderr, py(['python3', '-c', 'print("app ran")'], { pythonPath: [theirs], helper: false }).stderr);
});
