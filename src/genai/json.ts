// JSON text from telemetry, parsed with a depth limit. `JSON.parse` itself copes with any depth,
// but everything after it recurses (`JSON.stringify` in the API, the UI's JSON view): a value
// nested deeper than MAX_JSON_DEPTH is cut there, iteratively, and the cut says so where it is.
// The raw attribute keeps the whole text.

export const MAX_JSON_DEPTH = 64;
export const DEPTH_CUT = `… nested deeper than ${MAX_JSON_DEPTH} levels: cut here (the raw attribute has it all)`;

/** Cuts a parsed value at MAX_JSON_DEPTH in place; true when something was cut. */
export function cutDeepJson(root: unknown): boolean {
  if (root === null || typeof root !== 'object') return false;
  let cut = false;
  const stack: [Record<string, unknown> | unknown[], number][] = [[root as Record<string, unknown>, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    const keys = Array.isArray(node) ? node.keys() : Object.keys(node).values();
    for (const k of keys) {
      const v = (node as Record<string | number, unknown>)[k];
      if (v === null || typeof v !== 'object') continue;
      if (depth >= MAX_JSON_DEPTH) { (node as Record<string | number, unknown>)[k] = DEPTH_CUT; cut = true; }
      else stack.push([v as Record<string, unknown>, depth + 1]);
    }
  }
  return cut;
}

/** `JSON.parse` with the depth limit; throws as `JSON.parse` does on invalid text. */
export function parseJsonText(text: string): unknown {
  const v: unknown = JSON.parse(text);
  cutDeepJson(v);
  return v;
}
