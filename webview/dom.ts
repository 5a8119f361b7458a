// The only way the UI makes DOM: elements with text children. Nothing a model or a user wrote is
// ever parsed as markup (no innerHTML anywhere in webview/), so it stays text whatever it holds.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;

/**
 * `h('div', {class: 'row', onclick: fn}, 'text', child)`. Attributes named on* become listeners
 * (registered with addEventListener, so the CSP needs no inline handlers); text children become
 * text nodes.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const k in attrs) {
      const v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

export function clear(el: Node): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Replaces an element's children. */
export function fill(el: Node, ...children: Child[]): void {
  clear(el);
  append(el, children);
}

// Bidi controls and zero-width characters in a name can make it read as something it is not
// ("Trojan Source"): short identifiers (span, tool, attribute names) show them as visible escapes.
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
export function visible(s: string): string {
  return s.replace(INVISIBLE, (c) => `\\u{${c.charCodeAt(0).toString(16).toUpperCase()}}`);
}

/** Copies text to the clipboard; works in a webview, a secure page, and falls back to execCommand. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}

export function copyButton(getText: () => string, label = 'Copy'): HTMLButtonElement {
  const b = h('button', { class: 'copy', type: 'button', title: label, 'aria-label': label }, 'copy');
  b.addEventListener('click', async (ev) => {
    ev.stopPropagation();
    const ok = await copyText(getText());
    b.textContent = ok ? 'copied' : 'copy failed';
    setTimeout(() => { b.textContent = 'copy'; }, 1200);
  });
  return b;
}

/**
 * Marks every case-insensitive occurrence of `q` in the text under `root` (the find box's query in
 * a step's detail): text nodes are split around <mark> elements; inputs and buttons are left alone.
 * Returns how many were marked.
 */
export function highlightText(root: HTMLElement, q: string): number {
  const needle = q.trim().toLowerCase();
  if (!needle) return 0;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement?.closest('button, input, textarea, mark') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  const hits: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) if ((n.nodeValue ?? '').toLowerCase().includes(needle)) hits.push(n as Text);
  let count = 0;
  for (const t of hits) {
    let node: Text = t;
    for (let i = (node.nodeValue ?? '').toLowerCase().indexOf(needle); i >= 0; i = (node.nodeValue ?? '').toLowerCase().indexOf(needle)) {
      const match = node.splitText(i);
      const rest = match.splitText(needle.length);
      const mark = document.createElement('mark');
      mark.className = 'find-hit';
      match.replaceWith(mark);
      mark.appendChild(match);
      node = rest;
      count++;
    }
  }
  return count;
}
