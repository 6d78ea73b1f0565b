import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RateBaseline, rateHorizons } from '../../../src/detect/rateBaseline.js';

const horizons = rateHorizons(1, 60);

function assertClose(actual: number, expected: number, relTol: number, what: string): void {
  const scale = Math.max(Math.abs(expected), 1e-12);
  assert.ok(Math.abs(actual - expected) / scale <= relTol, `${what}: got ${actual}, expected ${expected} (±${relTol * 100}%)`);
}

/** Deterministic PRNG (mulberry32) so the irregular timings are reproducible. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Write {
  t: number;
  count: number;
}

function feed(writes: Write[], extraAdvances: number[] = []): RateBaseline {
  const baseline = new RateBaseline(horizons, writes[0]!.t);
  const steps = [...writes.map((w) => ({ ...w })), ...extraAdvances.map((t) => ({ t, count: 0 }))].sort((a, b) => a.t - b.t);
  for (const step of steps) {
    baseline.advance(step.t);
    if (step.count > 0) baseline.addWrites(step.count);
  }
  return baseline;
}

/** Brute force: the short rate signal on a fine grid, and its exponentially weighted mean and deviation. */
function numericBaseline(writes: Write[], end: number): { mean: number; stdDev: number } {
  const { shortLambda, baselineLambda } = horizons;
  const start = writes[0]!.t;
  const steps = 400_000;
  const du = (end - start) / steps;
  let w = 0;
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < steps; i++) {
    const u = start + (i + 0.5) * du;
    let r = 0;
    for (const write of writes) if (write.t <= u) r += write.count * shortLambda * Math.exp(-shortLambda * (u - write.t));
    const weight = Math.exp(-baselineLambda * (end - u)) * du;
    w += weight;
    m1 += weight * r;
    m2 += weight * r * r;
  }
  const mean = m1 / w;
  return { mean, stdDev: Math.sqrt(m2 / w - mean * mean) };
}

test('the short rate halves every short half-life (numbers)', () => {
  const baseline = new RateBaseline(horizons, 100);
  baseline.addWrites(1000);
  assertClose(baseline.rate(), 1000 * Math.LN2, 1e-12, 'at t=0');
  baseline.advance(101);
  assertClose(baseline.rate(), 346.5735902799726, 1e-12, 'after one half-life');
  baseline.advance(103);
  assertClose(baseline.rate(), 86.64339756999316, 1e-12, 'after three half-lives');
  baseline.advance(103.5);
  assertClose(baseline.rate(), 1000 * Math.LN2 * 2 ** -3.5, 1e-12, 'after 3.5 half-lives');
});

test('a steady rate is measured as that rate, on both horizons', () => {
  const writes: Write[] = [];
  for (let i = 0; i <= 30_000; i++) writes.push({ t: i * 0.01, count: 1 }); // 100 writes/s for 300 s
  const baseline = feed(writes);
  assertClose(baseline.rate(), 100, 0.005, 'short rate');
  assertClose(baseline.mean(), 100, 0.02, 'baseline mean'); // the first second's ramp-up still weighs a little
  assert.ok(baseline.stdDev() < 5, `stdDev ${baseline.stdDev()}`);
  assertClose(baseline.ageSeconds(), 300, 1e-9, 'age');
});

test('the baseline equals the exact weighted integral of the rate signal, for irregular timing', () => {
  const random = prng(7);
  const writes: Write[] = [{ t: 10, count: 3 }];
  while (writes.length < 60) writes.push({ t: writes.at(-1)!.t + random() * random() * 2, count: 1 + Math.floor(random() * 50) });
  const end = writes.at(-1)!.t + 4;
  const baseline = feed(writes, [end]);
  const expected = numericBaseline(writes, end);
  assertClose(baseline.mean(), expected.mean, 1e-4, 'mean');
  assertClose(baseline.stdDev(), expected.stdDev, 1e-4, 'stdDev');
});

test('the baseline decays with the baseline half-life once writes stop', () => {
  const writes: Write[] = [];
  for (let i = 0; i <= 6000; i++) writes.push({ t: i * 0.1, count: 10 }); // 100/s for 600 s
  const baseline = feed(writes);
  const mean = baseline.mean();
  baseline.advance(600 + 60);
  // The total weight is saturated (600 s ≫ 60 s), so a silent half-life halves the mean, plus the tail of the
  // short rate after the last write (∫ r·e^(-λs·u) du = r/λs, weighted about ½, over the total weight 1/λL).
  const tail = ((100 / horizons.shortLambda) * 0.5) / (1 / horizons.baselineLambda);
  assertClose(baseline.mean(), mean / 2 + tail, 0.01, 'mean after a half-life');
  baseline.advance(600 + 600);
  assert.ok(baseline.mean() < mean / 1000);
});

test('advancing more often changes nothing (ticks in between are exact)', () => {
  const random = prng(3);
  const writes: Write[] = [{ t: 0, count: 1 }];
  while (writes.length < 500) writes.push({ t: writes.at(-1)!.t + random() * 0.3, count: 1 + Math.floor(random() * 5) });
  const ticks: number[] = [];
  for (let t = 0.5; t < writes.at(-1)!.t + 5; t += 0.37) ticks.push(t);
  const end = writes.at(-1)!.t + 5;
  const plain = feed(writes, [end]);
  const ticked = feed(writes, [...ticks, end]);
  assertClose(ticked.rate(), plain.rate(), 1e-9, 'rate');
  assertClose(ticked.mean(), plain.mean(), 1e-9, 'mean');
  assertClose(ticked.stdDev(), plain.stdDev(), 1e-7, 'stdDev');
});

test('an aggregated count equals that many single writes at the same time', () => {
  const aggregated = new RateBaseline(horizons, 0);
  const single = new RateBaseline(horizons, 0);
  for (let t = 0; t < 20; t += 0.5) {
    aggregated.advance(t);
    aggregated.addWrites(40);
    for (let i = 0; i < 40; i++) {
      single.advance(t);
      single.addWrites(1);
    }
  }
  assertClose(single.rate(), aggregated.rate(), 1e-12, 'rate');
  assertClose(single.mean(), aggregated.mean(), 1e-12, 'mean');
  assertClose(single.stdDev(), aggregated.stdDev(), 1e-9, 'stdDev');
});

test('time going backwards (a reordered record) is treated as the latest time', () => {
  const baseline = new RateBaseline(horizons, 10);
  baseline.addWrites(100);
  baseline.advance(12);
  const rate = baseline.rate();
  baseline.advance(11);
  assert.is(baseline.rate(), rate);
  assert.is(baseline.lastSeconds, 12);
});

test('a fresh key has zero baseline rather than NaN', () => {
  const baseline = new RateBaseline(horizons, 5);
  baseline.addWrites(10);
  assert.is(baseline.mean(), 0);
  assert.is(baseline.stdDev(), 0);
  assert.is(baseline.ageSeconds(), 0);
});

test('the horizons must be ordered and positive', () => {
  assert.throws(() => rateHorizons(0, 60), RangeError);
  assert.throws(() => rateHorizons(60, 60), RangeError);
  assert.throws(() => rateHorizons(1, Infinity), RangeError);
  assert.is(rateHorizons(2, 10).shortLambda, Math.LN2 / 2);
});

test.run();
