// Collapsible, pretty JSON for tool arguments, results and attribute values. Children are built
// only when a node is opened, so deep or huge values cost nothing until looked at; long strings
// are cut with a button to show the rest.
import { copyButton, h, visible } from './dom';

const OPEN_DEPTH = 2;
const MAX_KEYS = 200;
const MAX_DEPTH = 64;
export const MAX_TEXT = 20_000;

/**
 * A string that may be very long: the first MAX_TEXT characters, then "show more" adds the next
 * CHUNK at a time, each its own block (one 5 MB unbroken line would take Chromium seconds to lay
 * out; 100k-character blocks take tens of ms), and "copy all" copies the whole string.
 */
export function longText(s: string, cls = 'text'): HTMLElement {
  const el = h('span', { class: cls });
  const head = s.length <= MAX_TEXT ? s : s.slice(0, MAX_TEXT);
  // A long run with no space to break at is shaped as one word: in a proportional font Chromium
  // takes ~1 s per 100k characters, in the fixed-width font with break-all a few ms.
  if (head.length > 1000 && /\S{1000}/.test(head)) el.classList.add('unbroken');
  el.textContent = head;
  if (s.length <= MAX_TEXT) return el;
  let shown = MAX_TEXT;
  const more = h('button', { class: 'more', type: 'button' });
  const label = () => { more.textContent = `show ${fmtSize(Math.min(CHUNK, s.length - shown))} more of ${fmtSize(s.length - shown)} left`; };
  label();
  more.addEventListener('click', () => {
    const next = s.slice(shown, shown + CHUNK);
    shown += next.length;
    el.appendChild(h('span', { class: 'chunk' }, next));
    if (shown >= s.length) { more.remove(); tail.textContent = ' '; } else label();
  });
  const tail = h('span', { class: 'cut' }, '… ');
  return h('span', { class: 'long' }, el, tail, more, ' ', copyButton(() => s, 'Copy all'));
}

const CHUNK = 100_000;

function fmtSize(chars: number): string {
  return chars < 1_000_000 ? `${Math.round(chars / 1000)}k characters` : `${(chars / 1_000_000).toFixed(1)}M characters`;
}

function scalar(v: unknown): HTMLElement {
  if (typeof v === 'string') return h('span', { class: 'j-str' }, '"', longText(v, 'j-str-body'), '"');
  if (typeof v === 'number' || typeof v === 'bigint') return h('span', { class: 'j-num' }, String(v));
  if (typeof v === 'boolean') return h('span', { class: 'j-bool' }, String(v));
  if (v === null) return h('span', { class: 'j-null' }, 'null');
  return h('span', { class: 'j-null' }, String(v));
}

function summary(v: object): string {
  if (Array.isArray(v)) return `[${v.length}]`;
  const n = Object.keys(v).length;
  return `{${n} ${n === 1 ? 'key' : 'keys'}}`;
}

function node(key: string | null, v: unknown, depth: number): HTMLElement {
  const label = key === null ? null : h('span', { class: 'j-key' }, visible(key), ': ');
  if (v === null || typeof v !== 'object') return h('div', { class: 'j-row' }, label, scalar(v));
  // The server cuts parsed values at this depth; raw attribute text parsed here is cut the same way.
  if (depth >= MAX_DEPTH) return h('div', { class: 'j-row' }, label, h('span', { class: 'j-null' }, `… nested deeper than ${MAX_DEPTH} levels: copy the raw value to see it all`));
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v as Record<string, unknown>);
  if (!entries.length) return h('div', { class: 'j-row' }, label, h('span', { class: 'j-punct' }, Array.isArray(v) ? '[]' : '{}'));
  const det = h('details', { class: 'j-node' });
  det.appendChild(h('summary', null, label, h('span', { class: 'j-punct' }, summary(v))));
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    const body = h('div', { class: 'j-children' });
    for (const [k, x] of entries.slice(0, MAX_KEYS)) body.appendChild(node(Array.isArray(v) ? null : k, x, depth + 1));
    if (entries.length > MAX_KEYS) {
      const more = h('button', { class: 'more', type: 'button' }, `${entries.length - MAX_KEYS} more`);
      more.addEventListener('click', () => {
        for (const [k, x] of entries.slice(MAX_KEYS)) body.insertBefore(node(Array.isArray(v) ? null : k, x, depth + 1), more);
        more.remove();
      });
      body.appendChild(more);
    }
    det.appendChild(body);
  };
  det.addEventListener('toggle', () => { if (det.open) build(); });
  if (depth < OPEN_DEPTH) { det.open = true; build(); }
  return det;
}

/** A JSON value (or a string holding JSON) as a tree. */
export function jsonView(v: unknown): HTMLElement {
  let value = v;
  if (typeof v === 'string') {
    const t = v.trim();
    if ((t.startsWith('{') || t.startsWith('[')) && t.length < 5_000_000) {
      try { value = JSON.parse(t); } catch { /* shown as the string it is */ }
    }
  }
  return h('div', { class: 'json' }, node(null, value, 0));
}

/** A value as compact text for copying. */
export function jsonText(v: unknown): string {
  if (typeof v === 'string') return v;
  try { return JSON.stringify(v, null, 2) ?? String(v); } catch { return String(v); }
}
