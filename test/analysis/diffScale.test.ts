// The run diff at real sizes. The alignment is checked against an independent longest-common-
// subsequence table on small random sequences; at 10k and 100k steps against what the runs were
// made to differ by (made with the real SDK: steps left out, steps added, prompts changed). The
// server must keep answering while a big diff runs (answers compared in the order they came, not
// timed), and a diff of two 100k-step runs answers within the memory cap.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { alignKeys, textDiff } from '../../src/analysis/diff';
import { mulberry32 } from '../helpers/random';
import { longRunBodies, type LongRun } from '../helpers/syntheticRuns';
import { api, killServers, spawnServer } from '../helpers/server';
import { browserSkipReason, openBrowser } from '../helpers/browser';
import type { RunDiff, TraceListResponse } from '../../src/protocol';

after(killServers);

/** The length of a longest common subsequence, by the textbook table (the oracle). */
function lcs(a: number[], b: number[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    prev = cur;
  }
  return prev[b.length]!;
}

/** Every step once, in order; pairs only of equal keys. Returns how many pairs. */
function checkValid(a: number[], b: number[], r: { a: Int32Array; b: Int32Array }): number {
  let i = 0, j = 0, pairs = 0;
  for (let k = 0; k < r.a.length; k++) {
    const x = r.a[k]!, y = r.b[k]!;
    assert.ok(x >= 0 || y >= 0, `row ${k} is empty`);
    if (x >= 0) assert.equal(x, i++, `row ${k}: step ${x} of A out of order`);
    if (y >= 0) assert.equal(y, j++, `row ${k}: step ${y} of B out of order`);
    if (x >= 0 && y >= 0) { assert.equal(a[x], b[y], `row ${k} pairs unequal steps`); pairs++; }
  }
  assert.equal(i, a.length, 'every step of A is in a row');
  assert.equal(j, b.length, 'every step of B is in a row');
  return pairs;
}

test('alignment: 300 random pairs of sequences (up to 120 steps, 2 to 6 kinds) pair as many steps as a longest common subsequence', () => {
  const rnd = mulberry32(22023);
  for (let t = 0; t < 300; t++) {
    const kinds = 2 + Math.floor(rnd() * 5);
    const seq = () => Array.from({ length: Math.floor(rnd() * 120) }, () => Math.floor(rnd() * kinds));
    const a = seq(), b = seq();
    const r = alignKeys(a, b, 10_000);
    assert.equal(r.exact, true);
    assert.equal(checkValid(a, b, r), lcs(a, b), `case ${t}`);
  }
});

test('alignment: 20k vs 20k random steps run out of a 1 ms budget and get the coarse alignment, still valid; 5k-step runs that differ by 40 edits pair the same under both', () => {
  const rnd = mulberry32(7);
  const a = Array.from({ length: 20_000 }, () => Math.floor(rnd() * 40));
  const b = Array.from({ length: 20_000 }, () => Math.floor(rnd() * 40));
  const r = alignKeys(a, b, 1);
  assert.equal(r.exact, false);
  const pairs = checkValid(a, b, r);
  assert.ok(pairs > 0);
  // Sparse edits (what two runs of one agent look like): coarse pairs exactly as many as exact.
  const base = Array.from({ length: 5000 }, (_, i) => i % 7);
  const edited = base.filter((_, i) => i % 250 !== 3);
  for (let k = 0; k < 20; k++) edited.splice(137 + k * 240, 0, 99);
  const exact = alignKeys(base, edited, 10_000);
  assert.equal(exact.exact, true);
  const coarseRows = alignKeys(base, edited, 0);
  const exactPairs = checkValid(base, edited, exact);
  assert.equal(exactPairs, base.length - 20, 'the 20 steps left out are the only ones unpaired in A');
  if (!coarseRows.exact) assert.equal(checkValid(base, edited, coarseRows), exactPairs);
});

test('text diff: two prompts of 4,000 distinct lines each come back whole within the budget (coarse); small ones line by line; both sides always rebuild', () => {
  const rnd = mulberry32(3);
  const lines = (tag: string) => Array.from({ length: 4000 }, (_, i) => `${tag} line ${i} ${Math.floor(rnd() * 1e9)}`).join('\n');
  const a = lines('a'), b = lines('b');
  const sides = (d: ReturnType<typeof textDiff>['diff']) => [d.filter((c) => c.op !== 'add').map((c) => c.text).join(''), d.filter((c) => c.op !== 'del').map((c) => c.text).join('')];
  const big = textDiff(a, b, 5);
  assert.deepEqual(sides(big.diff), [a, b]);
  const small = textDiff('one\ntwo\nthree\n', 'one\n2\nthree\n');
  assert.equal(small.coarse, false);
  assert.deepEqual(sides(small.diff), ['one\ntwo\nthree\n', 'one\n2\nthree\n']);
  assert.deepEqual(small.diff.filter((c) => c.op !== 'same').map((c) => [c.op, c.text]), [['del', 'two\n'], ['add', '2\n']]);
});

async function post(port: number, bodies: Buffer[]): Promise<void> {
  for (const body of bodies) {
    const r = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) });
    assert.equal(r.status, 200, await r.text());
  }
}

/** Every page of the diff, in order. */
async function allPages(get: ReturnType<typeof api>, a: string, b: string, limit: number): Promise<RunDiff[]> {
  const pages: RunDiff[] = [];
  for (let offset: number | undefined = 0; offset !== undefined;) {
    const d: RunDiff = await get<RunDiff>(`/api/diff?a=${a}&b=${b}&offset=${offset}&limit=${limit}`);
    pages.push(d);
    offset = d.next;
  }
  return pages;
}

test('two runs of 10k steps: the diff pairs what the runs share, pages through every step in order, and the server answers a small request while it works', async () => {
  const n = 10_000;
  const rnd = mulberry32(11);
  const big = (tag: string) => Array.from({ length: 4000 }, (_, i) => `${tag} ${i} ${Math.floor(rnd() * 1e9)}`).join('\n');
  // Near the start (on the first page), 20 model calls whose prompts are 4,000 distinct lines on both sides.
  const heavy = new Map(Array.from({ length: 20 }, (_, k) => [4 + 8 * k, big('A')] as [number, string]));
  const heavyB = new Map([...heavy.keys()].map((i) => [i, big('B')] as [number, string]));
  const changed = new Map([[3000, 'Step 3000: find the order and also refund it.'], [7000, 'Step 7000: a different question.']]);
  const remove = new Set([1501, 4501, 6001, 8501, 9001]);
  const insertAfter = new Set(Array.from({ length: 10 }, (_, k) => 500 + 1000 * k));
  const A = longRunBodies(n, { prompts: heavy });
  const B = longRunBodies(n, { remove, insertAfter, prompts: new Map([...heavyB, ...changed]) });
  const server = await spawnServer(['--http-port', '0', '--grpc-port', '0', '--no-persist']);
  const get = api(server.ready);
  await post(server.ready.httpPort, [...A.bodies, ...B.bodies]);

  const d = await get<RunDiff>(`/api/diff?a=${A.traceId}&b=${B.traceId}`);
  // The same page again (the alignment is kept; the 20 heavy text diffs, 40 ms each, are made
  // again) and, once it is under way, a small request: the small one must be answered first.
  // (In the order their heads arrive: the diff's body is megabytes, and reading it takes a while.)
  const order: string[] = [];
  const headed = (p: string, tag: string) => fetch(`http://127.0.0.1:${server.ready.httpPort}${p}`, { headers: { Authorization: `Bearer ${server.ready.token}` } })
    .then((r) => { order.push(tag); assert.equal(r.status, 200); return r.json(); });
  const again = headed(`/api/diff?a=${A.traceId}&b=${B.traceId}`, 'diff') as Promise<RunDiff>;
  await new Promise((r) => setTimeout(r, 100));
  const small = headed('/api/traces?limit=1', 'list') as Promise<TraceListResponse>;
  const [d2, l] = await Promise.all([again, small]);
  assert.equal(l.total, 2);
  assert.deepEqual(order, ['list', 'diff'], 'the run list was answered while the diff was being made');
  assert.deepEqual(d2, d);
  assert.equal(d.alignment, 'exact');
  assert.equal(d.onlyA, remove.size);
  assert.equal(d.onlyB, insertAfter.size);
  assert.equal(d.paired, n + 1 - remove.size, 'every step but the ones left out (and the agent) is paired');
  assert.equal(d.total, n + 1 + insertAfter.size);
  // The heavy prompts were too different to diff line by line in time: shown whole, and said.
  const heavyRows = d.steps.filter((s) => s.coarse);
  assert.equal(heavyRows.length, heavy.size);
  assert.ok(d.notes?.some((x) => /shown whole/.test(x)));
  for (const s of heavyRows) assert.equal(s.changed, true);

  // Page by page (1,000 steps), every step of each run once, in the order the runs made them.
  const pages = await allPages(get, A.traceId, B.traceId, 1000);
  const rows = pages.flatMap((p) => p.steps);
  assert.equal(rows.length, d.total);
  assert.deepEqual(rows.flatMap((s) => (s.a ? [s.a.spanId] : [])).slice(1), A.steps.map((s) => s.spanId));
  assert.deepEqual(rows.flatMap((s) => (s.b ? [s.b.spanId] : [])).slice(1), B.steps.map((s) => s.spanId));
  assert.deepEqual(rows.filter((s) => !s.a).map((s) => s.label), Array(insertAfter.size).fill('tool audit_log'));
  // A changed prompt, far from every edit: paired with its counterpart, and the diff shows the new words.
  for (const [i, text] of changed) {
    const aId = A.steps[i]!.spanId;
    const row = rows.find((s) => s.a?.spanId === aId)!;
    assert.equal(row.b?.prompt?.includes(text), true, `step ${i}`);
    assert.equal(row.changed, true);
    assert.ok(row.prompt!.some((c) => c.op === 'add' && c.text.includes(text)));
  }
  // Steps whose prompts are the same are not marked changed.
  const same = rows.filter((s) => s.a && s.b && s.a.kind === 'llm' && !s.coarse && s.a.prompt === s.b.prompt);
  assert.ok(same.length > 4000);
  assert.ok(same.every((s) => !s.changed));
  // Bad paging.
  await assert.rejects(get(`/api/diff?a=${A.traceId}&b=${B.traceId}&limit=0`), /400 .*limit must be/);
  await assert.rejects(get(`/api/diff?a=${A.traceId}&b=${B.traceId}&offset=-1`), /400 .*offset must be/);

  // In the browser: the first page, what it counts and says, and the next page on asking.
  if (!browserSkipReason()) {
    const browser = await openBrowser();
    try {
      const page = browser.page;
      await page.goto(`http://127.0.0.1:${server.ready.httpPort}/?token=${server.ready.token}#/diff/${A.traceId}/${B.traceId}`);
      const view = page.locator('.diff-view[data-ready]');
      await view.waitFor({ timeout: 30_000 });
      const fmt = (x: number) => x.toLocaleString('en-US');
      assert.equal(await view.locator('.diff-counts').textContent(), `${fmt(d.paired)} steps in both · ${remove.size} only in A · ${insertAfter.size} only in B`);
      assert.equal(await view.locator('.diff-steps tbody tr').count(), 200);
      assert.match(await view.locator('.diff-more').textContent() ?? '', new RegExp(`Showing steps 1–200 of ${fmt(d.total)}`));
      await view.locator('.diff-note', { hasText: 'shown whole' }).waitFor();
      await view.locator('.diff-more button', { hasText: 'Show more steps' }).click();
      await view.locator('.diff-more', { hasText: `Showing steps 1–400 of ${fmt(d.total)}` }).waitFor({ timeout: 30_000 });
      assert.equal(await view.locator('.diff-steps tbody tr').count(), 400);
      assert.equal(await view.locator('.diff-steps tbody tr').nth(399).getAttribute('data-step'), '399');
      assert.deepEqual(browser.errors, []);
    } finally {
      await browser.close();
    }
  }
  server.child.kill();
});

test('two runs of 100k steps: the diff answers under a 512 MB memory cap with both runs kept, counts as the runs were made; a small request is answered while a whole run (over 100 MB) streams', async () => {
  const n = 100_000;
  const remove = new Set([10_001, 50_001, 90_001]);
  const insertAfter = new Set([20_000, 60_000]);
  const A: LongRun = longRunBodies(n);
  const server = await spawnServer(['--http-port', '0', '--grpc-port', '0', '--no-persist', '--max-memory-mb', '512']);
  const get = api(server.ready);
  await post(server.ready.httpPort, A.bodies);
  const aId = A.traceId;
  A.bodies.length = 0;
  const B = longRunBodies(n, { remove, insertAfter });
  await post(server.ready.httpPort, B.bodies);
  const d = await get<RunDiff>(`/api/diff?a=${aId}&b=${B.traceId}&limit=1000`);
  assert.equal(d.onlyA, remove.size);
  assert.equal(d.onlyB, insertAfter.size);
  assert.equal(d.total, n + 1 + insertAfter.size);
  assert.equal(d.steps.length, 1000);
  assert.equal(d.next, 1000);
  const last = await get<RunDiff>(`/api/diff?a=${aId}&b=${B.traceId}&offset=${d.total - 5}`);
  assert.deepEqual(last.steps.map((s) => s.b?.spanId), B.steps.slice(-5).map((s) => s.spanId));
  assert.equal(last.next, undefined);
  const runs = await get<TraceListResponse>('/api/traces');
  assert.deepEqual(runs.traces.map((t) => t.spanCount).sort(), [n + 1 - remove.size + insertAfter.size, n + 1].sort());
  // A streamed answer of over 100 MB (run A whole, with its content) lets the server answer others
  // while it is written: a small request made during it is done before it (in the order they end).
  const order: string[] = [];
  const auth = { Authorization: `Bearer ${server.ready.token}` };
  const whole = fetch(`http://127.0.0.1:${server.ready.httpPort}/api/traces/${aId}`, { headers: auth })
    .then(async (r) => { const bytes = (await r.arrayBuffer()).byteLength; order.push('whole run'); return bytes; });
  await new Promise((r) => setTimeout(r, 800));
  const small = fetch(`http://127.0.0.1:${server.ready.httpPort}/api/traces?limit=1`, { headers: auth }).then(async (r) => { await r.arrayBuffer(); order.push('list'); });
  const [bytes] = await Promise.all([whole, small]);
  assert.ok(bytes > 100e6, `${bytes} bytes`);
  assert.deepEqual(order, ['list', 'whole run'], 'the run list was answered while the whole run was streamed');
  server.child.kill();
});
