// `agent-lens rerun TRACE_ID (--from SPAN_ID | --all) [-- COMMAND ARGS...]` (issue 26): runs the
// app again with the capture helpers in re-run mode. The model calls that started before the step
// are answered from the recording (all of them with --all: nothing is spent, nothing goes out);
// the calls from the step on go to the model. The command is the one given, or the command line
// the run's resource recorded. At the end it says which calls the recording answered and which
// run the re-run made, with the link to compare it with the original.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { capturePlan, withCaptureEnv } from './captureEnv';
import { readState } from './stateFile';
import type { RerunPlan } from './protocol';

export interface RerunOptions {
  traceId: string;
  from?: string;
  all: boolean;
  command: string[];
  /** The trace server (default: the running one, from the state file). */
  url?: string;
  token?: string;
}

/** One call of the re-run, as the helper reported it (AGENT_LENS_RERUN_REPORT). */
export interface RerunReportLine { call: number; traceId?: string; spanId?: string; answeredBy: 'recording' | 'model'; why?: string; recordedSpanId?: string }

/** The runs a re-run made, and its calls, from the helper's report. */
export function readReport(file: string): { lines: RerunReportLine[]; runs: string[] } {
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch { /* no model call was made */ }
  const lines = text.split('\n').filter(Boolean).flatMap((l) => { try { return [JSON.parse(l) as RerunReportLine]; } catch { return []; } });
  return { lines, runs: [...new Set(lines.map((l) => l.traceId).filter((t): t is string => !!t))] };
}

/** The environment a re-run's app gets: the capture variables (as the editor injects them) and the plan. */
export function rerunEnv(base: NodeJS.ProcessEnv, endpoint: string, planFile: string, reportFile: string, helpers: { node: string; python: string }): NodeJS.ProcessEnv {
  const plan = capturePlan(endpoint, { inject: true, trusted: true, batchDelayMs: 500, messageContent: true, nodeHelper: helpers.node, pythonHelperDir: helpers.python, pathDelimiter: path.delimiter }, base);
  const env = withCaptureEnv(undefined, plan, base);
  const out: NodeJS.ProcessEnv = { ...base };
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  out.AGENT_LENS_RERUN_FILE = planFile;
  out.AGENT_LENS_RERUN_REPORT = reportFile;
  return out;
}

export async function rerun(o: RerunOptions, out: (line: string) => void): Promise<number> {
  const state = o.url ? undefined : readState();
  const url = (o.url ?? (state ? `http://${state.host === '0.0.0.0' ? '127.0.0.1' : state.host}:${state.httpPort}` : undefined))?.replace(/\/$/, '');
  if (!url) throw new Error('no Agent Lens server is running (start one with `agent-lens serve`, or give --url)');
  const token = o.token ?? process.env.AGENT_LENS_TOKEN ?? state?.token ?? '';
  const q = o.all ? 'all=1' : `from=${encodeURIComponent(o.from ?? '')}`;
  let res: Response;
  try { res = await fetch(`${url}/api/traces/${encodeURIComponent(o.traceId)}/rerun?${q}`, { headers: { Authorization: `Bearer ${token}` } }); } catch (e) { throw new Error(`could not reach the trace server at ${url}: ${(e as Error).message}`); }
  const body = await res.json().catch(() => ({})) as RerunPlan & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `the trace server answered ${res.status}`);
  const command = o.command.length ? o.command : body.command ?? [];
  if (!command.length) throw new Error('the run did not record its command line: give it after --, as in `agent-lens rerun ID --all -- node app.js`');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-lens-rerun-'));
  const planFile = path.join(dir, 'plan.json');
  const reportFile = path.join(dir, 'report.jsonl');
  fs.writeFileSync(planFile, JSON.stringify(body));
  out(`re-running ${o.traceId}: ${body.calls.length} model call${body.calls.length === 1 ? '' : 's'} answered from the recording${body.allRecorded ? '' : `, live from ${body.from?.name ?? 'the step'} (${body.liveCalls} call${body.liveCalls === 1 ? '' : 's'} recorded from there)`}`);
  for (const g of body.gaps) out(`  call ${g.step} cannot be answered from the recording: ${g.why}; the re-run goes live there`);
  out(`  $ ${command.join(' ')}`);
  const dist = __dirname;
  const env = rerunEnv(process.env, url, planFile, reportFile, { node: path.join(dist, 'capture-node.js'), python: path.join(dist, 'capture-python') });
  const code = await new Promise<number>((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
    child.on('error', (e) => { out(`could not start ${command[0]}: ${e.message}`); resolve(127); });
    child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  const report = readReport(reportFile);
  for (const l of report.lines) out(`  call ${l.call}: ${l.answeredBy === 'recording' ? 'answered from the recording' : `sent to the model${l.why ? ` (${l.why})` : ''}`}`);
  if (!report.lines.length) out('  the app made no model call');
  const ui = (state?.uiUrl ?? `${url}/`).replace(/#.*$/, '');
  for (const run of report.runs) out(`new run ${run} (a re-run of ${o.traceId}); compare the two: ${ui}#/diff/${o.traceId}/${run}`);
  fs.rmSync(dir, { recursive: true, force: true });
  return code;
}
