// Time, checked against arithmetic the code under test does not do: BigInt differences of the
// exact nanoseconds. Random pairs over the whole fixed64 range and pairs that straddle 2^32 ns
// boundaries (every 4.295 s of the clock); and the formatter at its rounding edges.
import { test } from 'node:test';
import { mulberry32 } from '../helpers/random';
import assert from 'node:assert/strict';
import { durationMs, msOfNanos, cmpNanos } from '../../src/time';
import { fmtMs } from '../../src/format';

const u32 = (r: () => number) => BigInt(Math.floor(r() * 4294967296));
const u64 = (r: () => number) => (u32(r) << 32n) | u32(r);
/** The truth: the exact difference in nanoseconds, as a double of milliseconds (one rounding). */
const truthMs = (a: bigint, b: bigint) => Number(b - a) / 1e6;
/** Nearly equal: both roundings of the same exact value agree to a few ulps. */
const near = (x: number, y: number) => Math.abs(x - y) <= Math.max(1e-9, Math.abs(y) * 4 * Number.EPSILON);

test('durationMs equals the exact nanosecond difference: 100,000 random pairs over the fixed64 range', () => {
  const r = mulberry32(42);
  for (let i = 0; i < 100_000; i++) {
    const a = u64(r), b = u64(r);
    const got = durationMs(a.toString(), b.toString());
    assert.ok(near(got, truthMs(a, b)), `${a} → ${b}: ${got} vs ${truthMs(a, b)}`);
  }
});

test('runs of seconds to minutes on today\'s clock that straddle 2^32 ns boundaries keep their exact durations', () => {
  const r = mulberry32(7);
  const now = BigInt(Date.now()) * 1_000_000n;
  const boundary = (now >> 32n) << 32n; // a multiple of 2^32 ns just before now
  for (let i = 0; i < 20_000; i++) {
    const before = BigInt(Math.floor(r() * 5e9)); // up to 5 s before the boundary
    const length = BigInt(Math.floor(r() * 600e9)) + 1n; // up to 10 minutes
    const a = boundary - before, b = a + length;
    const got = durationMs(a.toString(), b.toString());
    assert.ok(near(got, truthMs(a, b)), `${a} → ${b}`);
    // And the instants themselves: exact to a fraction of a microsecond.
    assert.ok(Math.abs(msOfNanos(b.toString()) - Number(b) / 1e6) < 1e-3);
  }
  // The figures of the bug report: 0.9 s and 71.5 s runs, both across a boundary.
  assert.equal(durationMs((boundary - 400_000_000n).toString(), (boundary + 500_000_000n).toString()), 900);
  assert.equal(durationMs((boundary - 1n).toString(), (boundary + 71_532_000_000n - 1n).toString()), 71_532);
});

test('times shorter than a millisecond and equal times', () => {
  assert.equal(durationMs('5', '17'), 12e-6);
  assert.equal(durationMs('1796000000000123456', '1796000000000123456'), 0);
  assert.equal(durationMs('1796000000000999999', '1796000000001000000'), 1e-6);
  assert.ok(cmpNanos('999', '1000') < 0 && cmpNanos('1796000000000000001', '1796000000000000000') > 0);
});

test('fmtMs at its rounding edges', () => {
  const cases: [number, string][] = [
    [0, '0'], [0.0004, '0 µs'], [0.25, '250 µs'], [0.9996, '1.0 ms'], [8.44, '8.4 ms'], [9.96, '10 ms'], [999.4, '999 ms'],
    [999.7, '1.00 s'], [1000, '1.00 s'], [9_996, '10.0 s'], [59_940, '59.9 s'], [59_960, '1 m 00 s'], [71_532, '1 m 12 s'],
    [119_600, '2 m 00 s'], [4_291_968_000, '1192 h 13 m'], [3_599_600, '1 h 00 m'], [-5, '−5.0 ms'], [NaN, '–'],
  ];
  for (const [ms, want] of cases) assert.equal(fmtMs(ms), want, String(ms));
});
