// A run's tree as it arrives (GET /api/traces/{id}/tree?stream=ndjson: a summary line, a line per
// row, a rollup line): no one string holds the whole run, so runs past V8's string limit (~512 MB)
// open too. Read by the browser page and by the editor (which hands its webview the rows in batches).
import type { TraceSummary, TraceTreeResponse, TreeRow } from './protocol';

/**
 * Complete lines of a tree's text: its rows (arrays) out, the rest (summary, byModel) into `out`.
 * The lines are parsed with one JSON.parse (a line never holds a raw newline).
 */
export function parseTreeLines(text: string, out: Partial<TraceTreeResponse>): TreeRow[] {
  const rows: TreeRow[] = [];
  for (const v of JSON.parse(`[${text.replaceAll('\n', ',')}]`) as (TreeRow | Partial<TraceTreeResponse>)[]) {
    if (Array.isArray(v)) rows.push(v);
    else Object.assign(out, v);
  }
  return rows;
}

/**
 * Reads the tree's text from a response body, handing on complete lines as they arrive (each call
 * some lines, never a partial one). The editor passes them to its webview as they are: parsing them
 * in the extension host and sending the rows as objects cost the channel far more than the text.
 */
export async function readTreeText(body: ReadableStream<Uint8Array>, onLines: (text: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += decoder.decode(value, { stream: true });
    const cut = rest.lastIndexOf('\n');
    if (cut < 0) continue;
    if (cut > 0) onLines(rest.slice(0, cut));
    rest = rest.slice(cut + 1);
  }
  rest = (rest + decoder.decode()).trim();
  if (rest) onLines(rest);
}

/**
 * Reads the tree from a response body: the rows of each chunk go to `onRows` with the characters
 * they took and the run's summary (its first line); resolves with the rest of the answer (summary,
 * byModel) and no rows.
 */
export async function readTreeStream(body: ReadableStream<Uint8Array>, onRows: (rows: TreeRow[], chars: number, summary: TraceSummary | undefined) => void): Promise<TraceTreeResponse> {
  const out = { rows: [] as TreeRow[], byModel: [] } as unknown as TraceTreeResponse;
  await readTreeText(body, (text) => {
    const rows = parseTreeLines(text, out);
    if (rows.length) onRows(rows, text.length, out.summary);
  });
  if (!out.summary) throw new Error('the server ended the run\'s tree early (no summary); try again');
  out.rows = [];
  return out;
}
