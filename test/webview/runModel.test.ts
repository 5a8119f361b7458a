// The run view's model, in Node: placeholders for parents that have not arrived, in every arrival
// order; parent cycles; collapsing; and the critical path.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RunModel, localMatches } from '../../webview/runModel';
import { treeRow, type Nanos, type TreeSpan } from '../../src/protocol';
import { mulberry32 } from '../helpers/random';

const T0 = 1_700_000_000_000n * 1_000_000n;
function sp(id: string, parent: string, startMs: number, endMs: number, over: Partial<TreeSpan> = {}): TreeSpan {
  return {
    spanId: id, parentSpanId: parent, name: `span ${id}`, kind: 1, service: 'svc',
    startTimeUnixNano: String(T0 + BigInt(startMs * 1e6)) as Nanos, endTimeUnixNano: String(T0 + BigInt(endMs * 1e6)) as Nanos,
    status: { code: 0, message: '' }, ...over,
  };
}

// agent(0-100) → llm1(0-40), tool a(40-60) ∥ tool b(41-70), llm2(70-100); tool b → http(45-65)
const RUN = [
  sp('root', '', 0, 100), sp('llm1', 'root', 0, 40), sp('ta', 'root', 40, 60), sp('tb', 'root', 41, 70),
  sp('http', 'tb', 45, 65), sp('llm2', 'root', 70, 100),
];
const shape = (m: RunModel) => m.rows().map((n) => `${'  '.repeat(n.depth)}${n.span ? n.id : `(${n.id})`}`);
const EXPECTED = ['root', '  llm1', '  ta', '  tb', '    http', '  llm2'];

function permutations<T>(a: T[]): T[][] {
  if (a.length <= 1) return [a];
  return a.flatMap((x, i) => permutations([...a.slice(0, i), ...a.slice(i + 1)]).map((p) => [x, ...p]));
}

test('every arrival order, one span at a time, ends in the same tree with no placeholder left', () => {
  let orders = 0;
  for (const order of permutations(RUN)) {
    const m = new RunModel();
    for (const s of order) m.add([s]);
    assert.deepEqual(shape(m), EXPECTED, order.map((s) => s.spanId).join(','));
    assert.equal(m.pendingCount, 0);
    orders++;
  }
  assert.equal(orders, 720);
});

test('a child before its parent sits under a placeholder spanning its children, which the parent replaces', () => {
  const m = new RunModel();
  m.add([sp('http', 'tb', 45, 65), sp('ta', 'root', 40, 60)]);
  assert.deepEqual(shape(m), ['(root)', '  ta', '(tb)', '  http']);
  assert.equal(m.pendingCount, 2);
  const tb = m.nodes.get('tb')!;
  assert.deepEqual([tb.startMs - m.startMs, tb.endMs - m.startMs], [5, 25]);
  m.add([sp('tb', 'root', 41, 70)]);
  assert.deepEqual(shape(m), ['(root)', '  ta', '  tb', '    http']);
  assert.equal(m.pendingCount, 1);
  m.add([sp('root', '', 0, 100)]);
  assert.deepEqual(shape(m), ['root', '  ta', '  tb', '    http']);
  assert.equal(m.spanCount, 4);
  // A duplicate changes nothing.
  m.add([sp('tb', 'root', 41, 70, { name: 'other' })]);
  assert.equal(m.nodes.get('tb')!.span!.name, 'span tb');
});

test('siblings that start in the same millisecond keep the order they arrived in', () => {
  const m = new RunModel();
  m.add([sp('root', '', 0, 10), sp('z', 'root', 5, 6), sp('a', 'root', 5, 9)]);
  m.add([sp('m', 'root', 5, 5)]);
  assert.deepEqual(shape(m), ['root', '  z', '  a', '  m']);
});

test('a parent cycle keeps every span visible', () => {
  const m = new RunModel();
  m.add([sp('a', 'b', 0, 10), sp('b', 'a', 0, 10), sp('c', 'c', 0, 5)]);
  const ids = m.rows().map((n) => n.id).sort();
  assert.deepEqual(ids, ['a', 'b', 'c']);
});

test('collapsing hides descendants, counts them and their errors', () => {
  const m = new RunModel();
  m.add(RUN.map((s) => (s.spanId === 'http' ? { ...s, status: { code: 2, message: 'boom' } } : s)));
  m.toggle('tb');
  assert.deepEqual(shape(m), ['root', '  llm1', '  ta', '  tb', '  llm2']);
  m.analyze();
  assert.equal(m.nodes.get('tb')!.descendants, 1);
  assert.equal(m.nodes.get('tb')!.errorsBelow, 1);
  assert.equal(m.nodes.get('root')!.errorsBelow, 1);
  m.collapseBelow(0);
  assert.deepEqual(shape(m), ['root']);
  m.reveal('http');
  assert.deepEqual(shape(m), EXPECTED);
});

test('the critical path follows what each parent last waited on', () => {
  const m = new RunModel();
  m.add(RUN);
  m.analyze();
  const crit = [...m.nodes.values()].filter((n) => n.critical).map((n) => n.id).sort();
  // llm2 ends the run; before it the slower tool (tb, and inside it http); before both, llm1. Not ta.
  assert.deepEqual(crit, ['http', 'llm1', 'llm2', 'root', 'tb']);
});

test('the critical path survives clock skew: a child that ends after its parent, a sibling that starts a little early', () => {
  const m = new RunModel();
  // Times as the JS SDK stamps them: starts in whole ms, ends start + duration.
  m.add([sp('post', '', 0, 847.19), sp('agent', 'post', 2, 848.31), sp('emb', 'agent', 2, 48.08), sp('chat1', 'agent', 49, 470.97),
    sp('tool1', 'agent', 471, 560.36), sp('tool2', 'agent', 471, 615.04), sp('get', 'tool2', 495, 615.32), sp('chat2', 'agent', 615, 847.69)]);
  m.analyze();
  const crit = [...m.nodes.values()].filter((n) => n.critical).map((n) => n.id).sort();
  assert.deepEqual(crit, ['agent', 'chat1', 'chat2', 'emb', 'get', 'post', 'tool2']);
});

test('100,000 spans in random order build and flatten', () => {
  const spans: TreeSpan[] = [sp('s0', '', 0, 100_000)];
  for (let i = 1; i < 100_000; i++) spans.push(sp(`s${i}`, `s${Math.floor((i - 1) / 8)}`, i, i + 10));
  for (let i = spans.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [spans[i], spans[j]] = [spans[j]!, spans[i]!]; }
  const m = new RunModel();
  m.add(spans);
  assert.equal(m.pendingCount, 0);
  assert.equal(m.rows().length, 100_000);
  m.analyze();
  assert.equal(m.nodes.get('s0')!.descendants, 99_999);
});

test('rows listed while a run streams in, in tree order or not, as spans or as the tree stream\'s rows with their parent\'s place, in batches, with live spans coming first and folds opened and closed between: always the tree walked depth first (400 seeded runs)', () => {
  for (let seed = 1; seed <= 400; seed++) {
    const rnd = mulberry32(seed);
    // A random tree: parents first, children starting after them (ties now and then).
    const spans: TreeSpan[] = [sp('n0', '', 0, 10_000)];
    const depthOf = new Map([['n0', 0]]);
    const n = 5 + Math.floor(rnd() * 120);
    for (let i = 1; i < n; i++) {
      const p = spans[Math.floor(rnd() * spans.length)]!;
      if ((depthOf.get(p.spanId) ?? 0) > 6) { i--; continue; }
      const start = Number((BigInt(p.startTimeUnixNano) - T0) / 1_000_000n) + Math.floor(rnd() * 3) * 5;
      spans.push(sp(`n${i}`, p.spanId, start, start + 5, i % 9 === 4 ? { status: { code: 2, message: 'failed' } } : {}));
      depthOf.set(`n${i}`, depthOf.get(p.spanId)! + 1);
    }
    // The order they come in: tree order (depth first, siblings by start, then as made), or shuffled now and then.
    const kids = new Map<string, TreeSpan[]>();
    for (const s of spans.slice(1)) { const l = kids.get(s.parentSpanId) ?? []; l.push(s); kids.set(s.parentSpanId, l); }
    const startOf = (s: TreeSpan) => BigInt(s.startTimeUnixNano);
    const sorted = (l: TreeSpan[]) => l.slice().sort((a, b) => (startOf(a) < startOf(b) ? -1 : startOf(a) > startOf(b) ? 1 : spans.indexOf(a) - spans.indexOf(b)));
    const treeOrder: TreeSpan[] = [];
    const walk = (s: TreeSpan) => { treeOrder.push(s); for (const c of sorted(kids.get(s.spanId) ?? [])) walk(c); };
    walk(spans[0]!);
    // Tree order; or shuffled; or tree order with a few leaves coming late (their parents in, but
    // not in depth-first order any more).
    const order = seed % 4 === 0 ? treeOrder.slice().sort(() => rnd() - 0.5) : treeOrder.slice();
    if (seed % 4 === 1) {
      for (let k = 0; k < 3; k++) {
        const leaves = order.map((s, i) => [s, i] as const).filter(([s]) => !kids.has(s.spanId) && s.parentSpanId);
        const [leaf, i] = leaves[Math.floor(rnd() * leaves.length)]!;
        order.splice(i, 1);
        order.splice(i + Math.floor(rnd() * (order.length - i + 1)), 0, leaf);
      }
    }
    const m = new RunModel();
    const folded = new Set<string>();
    const arrivedAt = new Map<string, number>();
    // Two seeds in three read the run as the tree stream's rows do (each with its parent's place among the
    // rows before it, -1 when it is not there), and now and then a span of the stream comes first
    // from the live feed, as for a run still running (then in the stream again, a duplicate).
    const asRows = seed % 3 !== 0;
    const streamed: Record<string, unknown> = {};
    const placeOf = new Map(order.map((s, i) => [s.spanId, i]));
    const fromFeed = new Set<string>();
    let at = 0;
    while (at < order.length) {
      const batch = order.slice(at, at + 1 + Math.floor(rnd() * 10));
      for (const s of batch) if (!arrivedAt.has(s.spanId)) arrivedAt.set(s.spanId, arrivedAt.size);
      if (asRows) {
        const rows = batch.map((s, i) => {
          const p = placeOf.get(s.parentSpanId);
          const row = treeRow(s);
          row[9] = p !== undefined && p < at + i ? p : -1;
          return row;
        });
        // Half of those as the stream's text, with its summary line first and its rollup last.
        if (seed % 2 === 0) {
          const lines = rows.map((r) => JSON.stringify(r));
          if (at === 0) lines.unshift(JSON.stringify({ summary: { traceId: `t${seed}` } }));
          if (at + batch.length === order.length) lines.push(JSON.stringify({ byModel: [{ model: `m${seed}` }] }));
          assert.equal(m.addTreeText(lines.join('\n'), streamed), rows.length);
        } else m.addTreeRows(rows);
        if (seed % 5 === 0 && rnd() < 0.3 && at + batch.length < order.length) {
          const early = order[at + batch.length + Math.floor(rnd() * (order.length - at - batch.length))]!;
          if (!arrivedAt.has(early.spanId)) arrivedAt.set(early.spanId, arrivedAt.size);
          fromFeed.add(early.spanId);
          m.add([early]);
        }
      } else m.add(batch);
      at += batch.length;
      if (rnd() < 0.2) {
        const id = batch[0]!.spanId;
        m.toggle(id);
        if (folded.has(id)) folded.delete(id); else folded.add(id);
      }
      // What the rows must be: the spans in so far, depth first, children by start then arrival, none under a fold.
      const here = order.slice(0, at).concat(order.slice(at).filter((s) => fromFeed.has(s.spanId)));
      const inKids = new Map<string, TreeSpan[]>();
      const ids = new Set(here.map((s) => s.spanId));
      const roots: TreeSpan[] = [];
      for (const s of here) {
        if (s.parentSpanId && ids.has(s.parentSpanId)) { const l = inKids.get(s.parentSpanId) ?? []; l.push(s); inKids.set(s.parentSpanId, l); } else if (!s.parentSpanId) roots.push(s);
      }
      const bySeq = (l: TreeSpan[]) => l.slice().sort((a, b) => (startOf(a) < startOf(b) ? -1 : startOf(a) > startOf(b) ? 1 : arrivedAt.get(a.spanId)! - arrivedAt.get(b.spanId)!));
      const want: string[] = [];
      const visit = (s: TreeSpan, d: number) => { want.push(`${d}:${s.spanId}`); if (!folded.has(s.spanId)) for (const c of bySeq(inKids.get(s.spanId) ?? [])) visit(c, d + 1); };
      for (const r of bySeq(roots)) visit(r, 0);
      // (Spans whose parent is not in yet sit under placeholders: compared once every parent is in.)
      if (here.every((s) => !s.parentSpanId || ids.has(s.parentSpanId))) {
        assert.deepEqual(m.rows().map((r) => `${r.depth}:${r.id}`), want, `seed ${seed}, after ${at} of ${order.length}`);
      } else m.rows();
      assert.equal(m.spanCount, here.length, `seed ${seed}: spans counted`);
    }
    if (asRows) m.endStream();
    if (asRows && seed % 2 === 0) assert.deepEqual(streamed, { summary: { traceId: `t${seed}` }, byModel: [{ model: `m${seed}` }] }, `seed ${seed}: the lines that are not rows`);
    // Each node gives back its span whole (read again from its line, for the stream's rows).
    for (const s of spans) assert.deepEqual(m.nodes.get(s.spanId)!.span, s, `seed ${seed}: ${s.spanId} as it came`);
    // Every span is found by its id, once, under its parent.
    assert.equal(m.nodes.size, spans.length);
    for (const s of spans) assert.equal(m.nodes.get(s.spanId)?.parent?.id ?? '', s.parentSpanId, `seed ${seed}: ${s.spanId}'s parent`);
    // What is below each span, counted by the test from the spans it made.
    m.analyze();
    const below = (s: TreeSpan): TreeSpan[] => (kids.get(s.spanId) ?? []).flatMap((c) => [c, ...below(c)]);
    for (const s of spans) {
      const b = below(s);
      assert.equal(m.nodes.get(s.spanId)!.descendants, b.length, `seed ${seed}: below ${s.spanId}`);
      assert.equal(m.nodes.get(s.spanId)!.errorsBelow, b.filter((c) => c.status?.code === 2).length, `seed ${seed}: errors below ${s.spanId}`);
    }
  }
});

test('find-in-run over the tree stream\'s text finds what a walk of every span finds: quotes, backslashes, letters whose lower case is longer, spans from the live feed, placeholders', () => {
  const names = ['plan the trip', 'say "hi"', 'C:\\tmp\\x', 'İstanbul weather', 'ISTANBUL flights', 'tab\there', 'search flights', 'ünïcode ok'];
  const spans = names.map((name, i) => sp(`s${i}`, i ? 's0' : '', i, i + 1, { name, genai: { kind: 'tool', toolName: `tool_${i}`, argsPreview: `{"q":"${name.replaceAll('"', '\\"')}"}` } as never }));
  const m = new RunModel();
  const lines = spans.slice(0, 6).map((s, i) => { const r = treeRow(s); r[9] = i ? 0 : -1; return JSON.stringify(r); });
  // Two texts (two batches of the stream), then two spans from the live feed and one whose parent is not in.
  m.addTreeText(lines.slice(0, 3).join('\n'), {});
  m.addTreeText(lines.slice(3).join('\n'), {});
  m.endStream();
  m.add(spans.slice(6));
  m.add([sp('late', 'not-yet', 9, 10, { name: 'late "istanbul" step' })]);
  const walk = (q: string) => [...m.nodes.values()].filter((n) => {
    const s = n.span;
    if (!s) return false;
    const g = s.genai;
    return `${s.name}\n${g?.toolName ?? ''}\n${g?.argsPreview ?? ''}`.toLowerCase().includes(q);
  }).map((n) => n.id).sort();
  for (const q of ['istanbul', 'i̇stanbul', '"hi"', 'say "', '\\tmp', 'tab\there', 'flights', 'tool_3', 'ünïcode', 'q":"', 'nothing at all', 's']) {
    const found = [...localMatches(m, q)].sort();
    assert.deepEqual(found, walk(q), `"${q}"`);
  }
  // The test's own expectations, so the walk above is not the only judge.
  assert.deepEqual([...localMatches(m, 'flights')].sort(), ['s4', 's6']);
  assert.deepEqual([...localMatches(m, '"hi"')].sort(), ['s1']);
});

test('find-in-run over the tree stream\'s text, seeded: runs cut into batches at random, names from a small alphabet with quotes and İ, every query compared with a walk of every span (200 seeds)', () => {
  const alphabet = ['a', 'b', 'A', ' ', '"', '\\', 'İ', 'é'];
  for (let seed = 1; seed <= 200; seed++) {
    const rnd = mulberry32(seed);
    const word = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]!).join('');
    const count = 1 + Math.floor(rnd() * 40);
    const spans = Array.from({ length: count }, (_, i) => sp(`s${i}`, i ? 's0' : '', i, i + 1, { name: word(1 + Math.floor(rnd() * 8)) }));
    const m = new RunModel();
    const lines = spans.map((s, i) => { const r = treeRow(s); r[9] = i ? 0 : -1; return JSON.stringify(r); });
    const chunkOf: string[] = [];
    for (let at = 0; at < lines.length;) {
      const k = 1 + Math.floor(rnd() * 6);
      const chunk = lines.slice(at, at + k).join('\n');
      m.addTreeText(chunk, {});
      for (let i = at; i < Math.min(at + k, lines.length); i++) chunkOf[i] = chunk;
      at += k;
    }
    m.endStream();
    for (let q = 0; q < 10; q++) {
      const query = (q % 2 ? word(1 + Math.floor(rnd() * 3)) : spans[Math.floor(rnd() * count)]!.name.slice(0, 1 + Math.floor(rnd() * 3))).toLowerCase();
      const walk = spans.filter((s) => s.name.toLowerCase().includes(query)).map((s) => s.spanId).sort();
      assert.deepEqual([...localMatches(m, query)].sort(), walk, `seed ${seed}: "${query}"`);
      // The candidates are the lines that hold the query, where it can be looked for in the text
      // (no quote or backslash in it, no letter in the batch whose lower case is longer); else every line.
      const candidates = new Set([...m.mayContain(query, true)].map((n) => n.id));
      spans.forEach((s, i) => {
        const chunk = chunkOf[i]!;
        const searchable = !/["\\]/.test(query) && chunk.toLowerCase().length === chunk.length;
        assert.equal(candidates.has(s.spanId), !searchable || lines[i]!.toLowerCase().includes(query), `seed ${seed}: "${query}" in ${lines[i]}`);
      });
    }
  }
});

test('live spans put into the rows listed before, in their place among 2,000 siblings (ties, folds, new roots, several a batch): the same rows as a model built at once, from the same list (300 seeds)', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const rnd = mulberry32(seed * 7919);
    const spans: TreeSpan[] = [sp('root', '', 0, 100_000)];
    for (let i = 0; i < 2000; i++) {
      const start = Math.floor(rnd() * 50_000);
      spans.push(sp(`a${i}`, i % 10 === 3 && i > 10 ? `a${i - 10}` : 'root', start, start + 10));
    }
    const m = new RunModel();
    m.add(spans);
    if (seed % 3 === 0) m.toggle('a13'); // a folded parent: what comes under it is not listed
    const list = m.rows();
    const live: TreeSpan[] = [];
    for (let b = 0; b < 6; b++) {
      const batch: TreeSpan[] = [];
      for (let k = 0, n = 1 + Math.floor(rnd() * 4); k < n; k++) {
        const i = live.length;
        // Starts before, among (the same millisecond as another, now and then) or after the siblings.
        const start = rnd() < 0.3 ? Number((BigInt(spans[1 + Math.floor(rnd() * 2000)]!.startTimeUnixNano) - T0) / 1_000_000n) : Math.floor(rnd() * 60_000);
        const parent = rnd() < 0.1 ? '' : rnd() < 0.3 ? `a${[13, 23, 33][Math.floor(rnd() * 3)]}` : rnd() < 0.2 && live.length ? live[live.length - 1]!.spanId : 'root';
        batch.push(sp(`live${i}`, parent, start, start + 5));
        live.push(batch[batch.length - 1]!);
      }
      m.add(batch);
      const want = new RunModel();
      want.add(spans.concat(live));
      if (seed % 3 === 0) want.toggle('a13');
      const got = m.rows();
      assert.deepEqual(got.map((r) => `${r.depth}:${r.id}`), want.rows().map((r) => `${r.depth}:${r.id}`), `seed ${seed}, batch ${b}`);
      // Leaves under spans it had are put into the list it had (no walk of the whole tree); a span
      // under a live one before it is too, its parent listed with it.
      assert.equal(got, list, `seed ${seed}, batch ${b}: the rows listed before, grown in place`);
    }
  }
});
