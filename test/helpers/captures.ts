// The captured Python framework runs (test/fixtures/python-frameworks/, copied from
// shared/fixtures): their request bodies posted to a server as they arrived, and their truth
// (capture.json: what the mock model and the tools saw).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository's root: the first folder up from here with a package.json (tests run from dist-test/…). */
function repoRoot(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json')) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

export const CAPTURES_DIR = path.join(repoRoot(), 'test', 'fixtures', 'python-frameworks');

export interface TruthCall {
  seq: number; kind: string; turn: number; step: number; model: string; response_model: string; response_id?: string;
  usage: { input: number; output: number; cached: number; reasoning: number; total: number };
  tool: { id: string; name: string; arguments: Record<string, unknown>; arguments_json: string } | null;
  text: string | null; api: string; stream: boolean; t_start_ns: number; t_end_ns: number;
}
export interface TruthTool {
  turn: number; name: string; arguments: Record<string, unknown>; result: unknown; error: { type: string; message: string } | null;
  tool_call_id?: string; t_start_ns: number; t_end_ns: number;
  active_span_in_tool: { trace_id: string; span_id: string } | null;
}
export interface Truth {
  capture: string;
  packages: Record<string, string>;
  requests: { file: string; path: string; content_type: string; content_encoding: string | null }[];
  turns: { turn: number; user: string; model: string; wall_start_ns: number; wall_end_ns: number; answer: string; model_calls: TruthCall[]; tool_calls: TruthTool[] }[];
  totals: { model_calls: number; input_tokens: number; output_tokens: number; cached_tokens: number; reasoning_tokens: number; tool_executions: number; tool_errors: number };
  conversation_id_passed?: string;
  resource: Record<string, string>;
  [k: string]: unknown;
}

export function captureNames(): string[] {
  return fs.readdirSync(CAPTURES_DIR).filter((d) => fs.existsSync(path.join(CAPTURES_DIR, d, 'capture.json'))).sort();
}

export function truthOf(name: string): Truth {
  // Numbers above 2^53 (epoch nanoseconds) are read as they are written.
  const text = fs.readFileSync(path.join(CAPTURES_DIR, name, 'capture.json'), 'utf8');
  return JSON.parse(text) as Truth;
}

/** Posts every request body of a capture, in arrival order, with its content type and encoding. */
export async function postCapture(name: string, httpPort: number): Promise<void> {
  for (const r of truthOf(name).requests) {
    const body = fs.readFileSync(path.join(CAPTURES_DIR, name, r.file));
    const headers: Record<string, string> = { 'Content-Type': r.content_type };
    if (r.content_encoding) headers['Content-Encoding'] = r.content_encoding;
    const res = await fetch(`http://127.0.0.1:${httpPort}${r.path}`, { method: 'POST', headers, body: new Uint8Array(body) });
    if (res.status !== 200) throw new Error(`${name}/${r.file}: ${res.status} ${await res.text()}`);
  }
}
