// One run as the tree view needs it: nodes by span id, children in start order, placeholders for
// parents that have not arrived, the visible rows for a collapsed set, and the critical path.
// Pure (no DOM), so it is tested in Node and stays fast at 100,000 spans.
import type { TraceTreeResponse, TreeRow, TreeSpan } from '../src/protocol';
import { NO_CHILDREN, RunNode, TimeColumn } from './runNode';

/**
 * Siblings by start time; on a tie (the JS SDK stamps starts in whole milliseconds) the one that
 * arrived first, as the server orders them: spans are exported as they end, so for steps run one
 * after another that is the order they ran in.
 */
function byStart(a: RunNode, b: RunNode): number {
  return (a.startMs - b.startMs) || (a.seq - b.seq);
}

export class RunModel {
  private readonly byId = new Map<string, RunNode>();
  /**
   * Nodes a tree stream added that are not in `byId` yet. Rows in tree order carry their parent's
   * place, so a run of 1,000,000 spans is built without looking an id up; putting a million ids in
   * a Map took longer than building the rest. It is filled when first asked, or a slice at a time
   * when the run is in (`indexSome`).
   */
  private unindexed: RunNode[] = [];
  /** Every node by span id (placeholders too). */
  get nodes(): Map<string, RunNode> {
    if (this.unindexed.length) this.indexSome(Infinity);
    return this.byId;
  }
  /** Puts nodes in the id index until `deadline` (performance.now()); whether it is complete. */
  indexSome(deadline: number): boolean {
    const list = this.unindexed;
    let i = this.indexed;
    for (; i < list.length; i++) {
      this.byId.set(list[i]!.id, list[i]!);
      if ((i & 4095) === 4095 && performance.now() > deadline) { this.indexed = i + 1; return false; }
    }
    this.unindexed = [];
    this.indexed = 0;
    return true;
  }
  private indexed = 0;
  /** The nodes of the tree stream being read, in its order (rows say where their parent is in it). */
  private stream: RunNode[] | undefined;
  /** Something other than the stream added nodes while it was read: its rows are then looked up by id. */
  private streamMixed = false;
  private rootList: RunNode[] = [];
  /** Placeholders that got their span in this batch and leave the roots (removed once per batch). */
  private leftRoots = new Set<RunNode>();
  get roots(): RunNode[] { return this.rootList; }
  private readonly collapsedSet = new Set<string>();
  private collapsedVersion = 0;
  /** Bumped by every change; views compare it to redraw only when needed. */
  version = 0;
  startMs = Infinity;
  endMs = -Infinity;
  private readonly times = new TimeColumn();
  private rowsCache: { key: string; rows: RunNode[]; collapsedVersion: number } | undefined;
  /** The rows listing under way: nodes in it carry its number in `listed`. */
  private listing = 0;
  private analyzed = -1;

  /** Nodes this deep or deeper are collapsed when they get their first child (a big run built as it arrives). */
  autoCollapseFrom: number | undefined;
  /** While a run is still arriving: `analyze` waits (it walks the whole tree each time). */
  deferAnalysis = false;

  get spanCount(): number { return this.nodeCount - this.pendingCount; }
  pendingCount = 0;

  add(spans: readonly TreeSpan[]): void {
    if (this.stream) this.streamMixed = true;
    this.preorder = undefined;
    for (const s of spans) this.addOne(s.spanId, s.parentSpanId, (n) => n.fillSpan(s));
    this.endBatch();
  }

  /**
   * Lines of the run's tree stream, in its order (GET …/tree?stream=ndjson: complete lines, as
   * treeStream.ts hands them on). Its rows say where their parent is among the rows before: each
   * is appended to its parent without an id lookup while only the stream adds nodes; a row without
   * that place goes the usual way. The other lines (summary, byModel) go into `out`. The nodes keep
   * the text, not the parsed rows (see RunNode). `endStream` when done. Returns the rows added.
   */
  addTreeText(text: string, out: Partial<TraceTreeResponse>): number {
    const values = JSON.parse(`[${text.replaceAll('\n', ',')}]`) as (TreeRow | Partial<TraceTreeResponse>)[];
    const order = this.streamOrder();
    let at = 0, added = 0;
    for (const v of values) {
      let to = text.indexOf('\n', at);
      if (to < 0) to = text.length;
      if (Array.isArray(v)) { this.streamRow(order, v, text, at, to); added++; } else Object.assign(out, v);
      at = to + 1;
    }
    this.endBatch();
    return added;
  }

  /** Rows of the tree stream already parsed (as addTreeText reads them). */
  addTreeRows(rows: readonly TreeRow[]): void {
    const order = this.streamOrder();
    for (const r of rows) { const text = JSON.stringify(r); this.streamRow(order, r, text, 0, text.length); }
    this.endBatch();
  }

  private streamOrder(): RunNode[] {
    const order = this.stream ??= [];
    // (A stream into a model that holds nodes already is read by id.)
    if (order.length === 0) this.streamMixed = this.byId.size > 0 || this.unindexed.length > 0;
    if (order.length === 0) this.streamFast = true;
    return order;
  }

  private streamRow(order: RunNode[], r: TreeRow, text: string, from: number, to: number): void {
    const at = r[9], id = r[0], parentId = r[1];
    // (A row whose id a placeholder holds fills it: only rows out of tree order make placeholders.)
    const ok = !this.streamMixed && at !== undefined && at < order.length && (at >= 0 || !parentId || parentId === id)
      && (this.pendingCount === 0 || !this.byId.has(id));
    if (!ok) this.streamFast = false;
    let n: RunNode;
    if (ok) {
      n = new RunNode(id, this.times);
      n.fillRow(r, text, from, to);
      this.appendStreamed(n, at >= 0 ? order[at] : undefined);
    } else n = this.addOne(id, parentId, (m) => m.fillRow(r, text, from, to));
    order.push(n);
  }

  /**
   * The stream is read: ids are looked up again for what comes next. When every node came in it,
   * each after its parent, its order is kept for the analysis (a walk of the whole tree less).
   */
  endStream(): void {
    if (this.stream && this.streamFast && !this.streamMixed && this.stream.length === this.nodeCount) this.preorder = this.stream;
    this.stream = undefined;
  }
  /** Every node, each after its parent (a finished tree stream's order) while nothing else was added. */
  private preorder: RunNode[] | undefined;
  private streamFast = false;
  private get nodeCount(): number { return this.byId.size + this.unindexed.length - this.indexed; }

  /** A stream's row whose parent (a node with its span, or none) is known: no lookup, no placeholder. */
  private appendStreamed(n: RunNode, parent: RunNode | undefined): void {
    n.seq = this.seq++;
    this.unindexed.push(n);
    if (n.startMs < this.startMs) this.startMs = n.startMs;
    if (n.endMs > this.endMs) this.endMs = n.endMs;
    if (this.appendOnly && !this.inOrder(parent)) this.appendOnly = false;
    if (parent) this.attachTo(n, parent); else { n.parent = undefined; n.depth = 0; this.appendTo(this.rootList, n); }
    if (this.appendOnly) this.appended.push(n); else this.appended.length = 0;
    this.noteInserted(n);
    this.lastAdded = n;
  }

  private endBatch(): void {
    if (this.leftRoots.size) { this.appendOnly = false; this.inserted = undefined; }
    if (this.unsorted.size) this.appendOnly = false;
    this.spliced = 0;
    if (this.leftRoots.size) {
      // A node re-rooted in this batch (a cycle) is in the list twice: keep one.
      const seen = new Set<RunNode>();
      const old = this.rootList;
      this.rootList = old.filter((r) => !seen.has(r) && seen.add(r) && (!this.leftRoots.has(r) || r.parent === undefined));
      this.unsorted.delete(old);
      this.unsorted.add(this.rootList);
      this.leftRoots.clear();
    }
    // Children were appended in arrival order; each list that grew is sorted once per batch
    // (one sort of 100,000 siblings beats 100,000 sorted inserts into an array).
    for (const list of this.unsorted) list.sort(byStart);
    this.unsorted.clear();
    this.version++;
  }

  private readonly unsorted = new Set<RunNode[]>();
  private seq = 0;

  // Rows listed last, and whether every change since only appended nodes in depth-first order (a
  // run streamed in tree order): then the next list is that one with the new visible nodes at its
  // end, not a walk of the whole tree (which, for each batch of a 1,000,000-span run, was most of
  // what drawing it as it arrived cost).
  private appendOnly = false;
  private appended: RunNode[] = [];
  // Whether every change since the rows were listed only added leaves (new spans under spans it
  // had, or new roots), and which: then the next list is that one with each visible new leaf put in
  // its place (a live span into a big run: one search of the list, not a walk of the whole tree).
  private inserted: RunNode[] | undefined;
  private noteInserted(n: RunNode): void {
    if (this.inserted && this.inserted.length < 64) this.inserted.push(n); else this.inserted = undefined;
  }
  private lastAdded: RunNode | undefined;

  /** Whether a new node under `parent` comes after every node so far in depth-first order. */
  private inOrder(parent: RunNode | undefined): boolean {
    if (!parent) return true; // a new root goes last (its list stays sorted, checked in add)
    let q = this.lastAdded;
    for (let k = 0; q && k < 64; k++, q = q.parent) if (q === parent) return true;
    return false;
  }

  private addOne(id: string, parentId: string, fill: (n: RunNode) => void): RunNode {
    let n = this.nodes.get(id);
    if (n && !n.pending) return n; // a duplicate: the store keeps the first copy too
    if (n) { this.appendOnly = false; this.inserted = undefined; }
    if (n) {
      // A placeholder's span arrived: it leaves the roots for its own parent.
      fill(n); // (its own times now, no longer its children's span)
      this.pendingCount--;
      // Children usually arrive first (parents end, and are exported, last), so many spans fill a
      // placeholder: an indexOf per span would make a big batch quadratic.
      this.leftRoots.add(n);
      n.seq = this.seq++;
    } else {
      n = new RunNode(id, this.times);
      fill(n);
      n.seq = this.seq++;
      this.byId.set(id, n);
    }
    if (n.startMs < this.startMs) this.startMs = n.startMs;
    if (n.endMs > this.endMs) this.endMs = n.endMs;
    const known = this.nodes.size;
    const parent = parentId && parentId !== n.id ? this.nodes.get(parentId) : undefined;
    if (this.appendOnly && (!this.inOrder(parent) || (parentId && parentId !== n.id && !parent))) this.appendOnly = false;
    this.attach(n, parentId);
    if (this.nodes.size !== known || n.parent !== parent) { this.appendOnly = false; this.inserted = undefined; } // (a placeholder made, or a cycle)
    if (this.appendOnly) this.appended.push(n); else this.appended.length = 0;
    this.noteInserted(n);
    this.lastAdded = n;
    return n;
  }

  private attach(n: RunNode, parentId: string): void {
    if (!parentId || parentId === n.id) { n.parent = undefined; n.depth = 0; this.appendTo(this.rootList, n); return; }
    let p = this.nodes.get(parentId);
    if (!p) {
      p = new RunNode(parentId, this.times);
      this.byId.set(parentId, p);
      this.pendingCount++;
      p.startMs = n.startMs;
      p.endMs = n.endMs;
      this.appendTo(this.rootList, p);
    } else if (n.children !== NO_CHILDREN && this.isAncestor(n, p)) {
      // (Only a node with children, a placeholder that got its span, can be its parent's ancestor.)
      // A parent cycle: the span still shows, as a root, rather than vanish into a loop.
      n.parent = undefined; this.appendTo(this.rootList, n); return;
    }
    this.attachTo(n, p);
    // A placeholder spans its children's times.
    for (let q: RunNode | undefined = p; q && q.pending; q = q.parent) {
      if (n.startMs < q.startMs) q.startMs = n.startMs;
      if (n.endMs > q.endMs) q.endMs = n.endMs;
    }
  }

  private attachTo(n: RunNode, p: RunNode): void {
    n.parent = p;
    n.depth = p.depth + 1;
    if (p.children === NO_CHILDREN) {
      p.children = [];
      // (No rows change: it had no children to hide. The version that follows the add redraws it.)
      if (this.autoCollapseFrom !== undefined && p.depth >= this.autoCollapseFrom) this.collapsedSet.add(p.id);
    }
    this.appendTo(p.children, n);
  }

  private appendTo(list: RunNode[], n: RunNode): void {
    const last = list[list.length - 1];
    if (!last || byStart(last, n) <= 0 || this.unsorted.has(list)) { list.push(n); return; }
    // Out of order in a sorted list: a few a batch are put in their place (a live span among
    // 20,000 siblings); more are appended and the list sorted once at the end of the batch.
    this.appendOnly = false;
    if (this.spliced++ >= 16) { list.push(n); this.unsorted.add(list); return; }
    let lo = 0, hi = list.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (byStart(list[mid]!, n) <= 0) lo = mid + 1; else hi = mid; }
    list.splice(lo, 0, n);
  }
  private spliced = 0;

  private isAncestor(a: RunNode, of: RunNode): boolean {
    for (let q: RunNode | undefined = of; q; q = q.parent) if (q === a) return true;
    return false;
  }

  isCollapsed(id: string): boolean { return this.collapsedSet.has(id); }

  toggle(id: string, open?: boolean): void {
    const isOpen = !this.collapsedSet.has(id);
    if (open === undefined ? isOpen : !open) this.collapsedSet.add(id); else this.collapsedSet.delete(id);
    this.collapsedVersion++;
  }

  /** Collapses every node below `depth` that has children (0 = only roots open). */
  collapseBelow(depth: number): void {
    this.collapsedSet.clear();
    this.collapsedVersion++;
    const stack: [RunNode, number][] = this.roots.map((r) => [r, 0]);
    while (stack.length) {
      const [n, d] = stack.pop()!;
      if (!n.children.length) continue;
      if (d >= depth) this.collapsedSet.add(n.id);
      else for (const c of n.children) stack.push([c, d + 1]);
    }
  }

  expandAll(): void { this.collapsedSet.clear(); this.collapsedVersion++; }

  /** Opens every ancestor of a node so that it is in the rows. */
  reveal(id: string): void {
    for (let q = this.nodes.get(id)?.parent; q; q = q.parent) if (this.collapsedSet.delete(q.id)) this.collapsedVersion++;
  }

  /** The visible rows, depth-first, children in start order; cached until the tree or the collapsed set changes. */
  rows(): RunNode[] {
    const key = `${this.version}:${this.collapsedVersion}`;
    if (this.rowsCache?.key === key) return this.rowsCache.rows;
    const cache = this.rowsCache;
    const added = this.appended;
    this.appended = [];
    const inserted = this.inserted;
    this.inserted = [];
    if (cache && !this.appendOnly && inserted && cache.collapsedVersion === this.collapsedVersion && this.insertRows(cache.rows, inserted)) {
      this.rowsCache = { key, rows: cache.rows, collapsedVersion: this.collapsedVersion };
      return cache.rows;
    }
    if (cache && this.appendOnly && cache.collapsedVersion === this.collapsedVersion) {
      // Only appends in depth-first order since: the new nodes whose ancestors are all open go at
      // the end, of the same list (a copy per batch of a 1M-row list cost more than the batch).
      const out = cache.rows;
      for (const n of added) {
        const p = n.parent;
        if (p && (this.collapsedSet.has(p.id) || p.listed !== this.listing)) continue;
        n.depth = p ? p.depth + 1 : 0;
        n.listed = this.listing;
        out.push(n);
      }
      this.rowsCache = { key, rows: out, collapsedVersion: this.collapsedVersion };
      return out;
    }
    // From here on, appends can extend this list if the last node added is the last in depth-first order.
    let last = this.roots[this.roots.length - 1];
    while (last && last.children.length) last = last.children[last.children.length - 1];
    this.appendOnly = last !== undefined && last === this.lastAdded;
    const listing = ++this.listing;
    const out: RunNode[] = [];
    const stack: RunNode[] = [];
    for (let i = this.roots.length - 1; i >= 0; i--) { this.roots[i]!.depth = 0; stack.push(this.roots[i]!); }
    while (stack.length) {
      const n = stack.pop()!;
      out.push(n);
      n.listed = listing;
      if (this.collapsedSet.has(n.id)) continue;
      const kids = n.children;
      for (let i = kids.length - 1; i >= 0; i--) { kids[i]!.depth = n.depth + 1; stack.push(kids[i]!); }
    }
    this.rowsCache = { key, rows: out, collapsedVersion: this.collapsedVersion };
    return out;
  }

  /** Puts new leaves into the rows listed last, each in its place; false when one cannot be placed (then the rows are listed again). */
  private insertRows(rows: RunNode[], added: readonly RunNode[]): boolean {
    const listing = this.listing;
    for (const n of added) {
      const p = n.parent;
      if (p && (p.listed !== listing || this.collapsedSet.has(p.id))) continue; // not in sight
      const sibs = p ? p.children : this.rootList;
      let k = sibs.lastIndexOf(n); // (a live span is usually near the end)
      // (A new span's own children are new too, later in `added`: each goes in after it.)
      if (k < 0) return false;
      let prev: RunNode | undefined;
      for (k--; k >= 0; k--) if (sibs[k]!.listed === listing) { prev = sibs[k]; break; }
      let at: number;
      if (prev) {
        at = rows.lastIndexOf(prev);
        if (at < 0) return false;
        // After the rows of prev's subtree: the next row no deeper than it.
        for (at++; at < rows.length && rows[at]!.depth > prev.depth; at++);
      } else if (p) {
        at = rows.lastIndexOf(p) + 1;
        if (at === 0) return false;
      } else at = 0;
      n.depth = p ? p.depth + 1 : 0;
      n.listed = listing;
      rows.splice(at, 0, n);
    }
    return true;
  }

  /** Every node depth-first, collapsed or not. */
  rowsAll(): RunNode[] {
    const out: RunNode[] = [];
    const stack = this.roots.slice().reverse();
    while (stack.length) {
      const n = stack.pop()!;
      out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
    return out;
  }

  /**
   * The nodes whose span may hold `needle`: those whose line of the tree stream holds it, and
   * every node whose span came as an object. `lower`: a lower-case text, looked for in the lines
   * in lower case; else a piece of JSON (`"source":`), looked for as it is. Callers check the
   * span: this spares parsing the lines that cannot match (a million of them take a second).
   */
  *mayContain(needle: string, lower: boolean): Generator<RunNode> {
    // (A text JSON writes otherwise (quotes, backslashes, control characters), or lines whose
    // lower case changes their length, are not looked for: each of those lines is a candidate.)
    const plain = !lower || !/["\\\u0000-\u001f]/.test(needle);
    // The text being read, as searched; the first hit at or after `from` (Infinity: none).
    let text: string | undefined, hay = '', exact = true, from = 0, next = Infinity;
    for (const n of this.nodes.values()) {
      const line = n.line();
      if (!line) { if (!n.pending) yield n; continue; }
      if (line.text !== text) {
        text = line.text;
        hay = lower ? text.toLowerCase() : text;
        exact = plain && hay.length === text.length;
        from = Infinity;
      }
      if (!exact) { yield n; continue; }
      // (Nodes come in their lines' order: each text is searched once from start to end.)
      if (line.at < from || next < line.at) {
        from = line.at;
        next = hay.indexOf(needle, from);
        if (next < 0) next = Infinity;
      }
      if (next + needle.length <= line.to) yield n;
    }
  }

  /**
   * Marks the critical path (the chain of spans each parent was last waiting on: from its end,
   * the child that ended last, then the one that ended before that child started, and so on) and
   * counts descendants and errors below each node. Runs once per version.
   */
  analyze(): void {
    if (this.analyzed === this.version || this.deferAnalysis) return;
    this.analyzed = this.version;
    // Parents before children: a finished stream's order as it came, else a walk from the roots.
    let order = this.preorder;
    if (!order || order.length !== this.nodeCount) {
      order = [];
      const stack = this.roots.slice();
      while (stack.length) {
        const n = stack.pop()!;
        order.push(n);
        for (const c of n.children) stack.push(c);
      }
    }
    for (const n of order) { n.critical = false; n.descendants = 0; n.errorsBelow = 0; }
    // Children before parents: each adds itself and what is below it to its parent.
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i]!, p = n.parent;
      if (p) { p.descendants += 1 + n.descendants; p.errorsBelow += n.errorsBelow + (n.failed ? 1 : 0); }
    }
    // Start times are often stamped in whole milliseconds (the JS SDK), so a span can seem to
    // start up to 1 ms before its predecessor ended: chains are matched within that much.
    const eps = 1;
    const work: [RunNode, number][] = this.roots.map((r) => [r, r.endMs]);
    while (work.length) {
      const [n, bound] = work.pop()!;
      n.critical = true;
      if (!n.children.length) continue;
      const byEnd = n.children.slice().sort((a, b) => b.endMs - a.endMs);
      let t = Math.min(n.endMs, bound);
      let first = true;
      for (const c of byEnd) {
        // The last child to finish is what the parent waited on last, even when clock skew has it
        // end after the parent; before it, the child that ended by the time that one started.
        if (c.startMs < t && (first || c.endMs <= t + eps)) {
          work.push([c, Math.min(c.endMs, t)]);
          t = c.startMs;
          first = false;
        }
      }
    }
  }
}

/** The spans whose name, tool, model, agent or tool arguments contain `q` (lower case): find-in-run's local half. */
export function localMatches(m: RunModel, q: string): Set<string> {
  const out = new Set<string>();
  for (const n of m.mayContain(q, true)) {
    const s = n.span;
    if (!s) continue;
    const g = s.genai;
    const hay = `${s.name}\n${g?.toolName ?? ''}\n${g?.requestModel ?? ''}\n${g?.responseModel ?? ''}\n${g?.agentName ?? ''}\n${g?.argsPreview ?? ''}`.toLowerCase();
    if (hay.includes(q)) out.add(n.id);
  }
  return out;
}
