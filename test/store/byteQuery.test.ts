// The byte search against the plain way (decode, lower-case, includes) on seeded random text:
// ASCII of every kind, JSON escapes, and multi-byte UTF-8 (accents, CJK, emoji), queries cut from
// the text in random case and queries that are not there; found or not in each span's range of a
// shared buffer, as stored spans lie in their request body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQuery } from '../../src/store/byteQuery';
import { mulberry32 } from '../helpers/random';

const ALPHABET = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "{}[]:,._-\\/\'?!', 'é', 'Ü', 'ß', '日本', '😀', '\u00e9t\u00e9'];

test('byte search agrees with decode + toLowerCase + includes on 3,000 random spans and 9,000 queries', () => {
  const rnd = mulberry32(20261207);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  for (let t = 0; t < 3000; t++) {
    const spans = Array.from({ length: 3 }, () => Array.from({ length: 5 + Math.floor(rnd() * 200) }, () => pick(ALPHABET)).join(''));
    const bufs = spans.map((s) => Buffer.from(s, 'utf8'));
    const body = Buffer.concat(bufs);
    const target = Math.floor(rnd() * 3);
    const text = spans[target]!;
    const start = bufs.slice(0, target).reduce((n, b) => n + b.length, 0);
    const end = start + bufs[target]!.length;
    for (let k = 0; k < 3; k++) {
      let q: string;
      if (k === 0) { const a = Math.floor(rnd() * text.length); q = text.slice(a, a + 1 + Math.floor(rnd() * 8)); }
      else if (k === 1) q = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(ALPHABET.slice(0, 62))).join('');
      else q = spans[(target + 1) % 3]!.slice(0, 6);
      q = [...q].map((c) => (rnd() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
      const lower = q.toLowerCase();
      const bq = ByteQuery.of(lower);
      const expected = text.toLowerCase().includes(lower);
      if (!bq) { assert.ok(!/^[\x20-\x7e]+$/.test(lower) || lower === ''); continue; }
      assert.equal(bq.in(body, start, end), expected, `span ${JSON.stringify(text)} query ${JSON.stringify(q)}`);
    }
  }
});
