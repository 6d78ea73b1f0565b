/** Decay constants for a short-horizon rate compared with a long-horizon baseline. */
export interface RateHorizons {
  readonly shortHalfLifeSeconds: number;
  readonly baselineHalfLifeSeconds: number;
  /** ln 2 / half-life: e^(-λ·dt) = 2^(-dt/halfLife). */
  readonly shortLambda: number;
  readonly baselineLambda: number;
}

export function rateHorizons(shortHalfLifeSeconds: number, baselineHalfLifeSeconds: number): RateHorizons {
  if (!(shortHalfLifeSeconds > 0 && baselineHalfLifeSeconds > shortHalfLifeSeconds && Number.isFinite(baselineHalfLifeSeconds))) {
    throw new RangeError(
      `need 0 < short half-life < baseline half-life, got ${shortHalfLifeSeconds} and ${baselineHalfLifeSeconds}`,
    );
  }
  return {
    shortHalfLifeSeconds,
    baselineHalfLifeSeconds,
    shortLambda: Math.LN2 / shortHalfLifeSeconds,
    baselineLambda: Math.LN2 / baselineHalfLifeSeconds,
  };
}

/**
 * (1 - e^(-gap·dt)) / gap, computed without cancellation for small dt. It is the integral over [0, dt] of
 * e^(-gap·u), the shape both moment updates below reduce to.
 */
function decayIntegral(gap: number, dt: number): number {
  return -Math.expm1(-gap * dt) / gap;
}

/**
 * Write rate of one key on two horizons, exact for irregular timing and for aggregated counts.
 *
 * Short horizon: a decayed write count S = Σ count·2^(-age/shortHalfLife); rate = S·λs. For a steady rate r this
 * converges to r, and after writes stop it halves every short half-life.
 *
 * Long horizon: the mean and variance of that rate signal r(u), weighted by 2^(-age/baselineHalfLife) over the
 * key's lifetime. Between two writes r(u) is an exact exponential, so the weighted integrals of r and r² are
 * updated in closed form: the result does not depend on how often the state is advanced (per event, per batch,
 * or on a timer), only on write times and counts. Normalising by the total weight removes start-up bias.
 */
export class RateBaseline {
  /** Time of the first write, seconds. */
  firstSeconds: number;
  /** Time the state was last advanced to, seconds. Never moves backwards. */
  lastSeconds: number;
  #decayedCount = 0;
  /** ∫ w(u) du, ∫ w(u)·r(u) du, ∫ w(u)·r(u)² du with w(u) = e^(-λL·(now-u)) over the key's lifetime. */
  #weight = 0;
  #moment1 = 0;
  #moment2 = 0;

  constructor(
    readonly horizons: RateHorizons,
    nowSeconds: number,
  ) {
    this.firstSeconds = nowSeconds;
    this.lastSeconds = nowSeconds;
  }

  /** Starts over as a new key first seen at `nowSeconds` (lets a detector reuse an evicted key's object). */
  reset(nowSeconds: number): void {
    this.firstSeconds = nowSeconds;
    this.lastSeconds = nowSeconds;
    this.#decayedCount = 0;
    this.#weight = 0;
    this.#moment1 = 0;
    this.#moment2 = 0;
  }

  /** Moves the state forward to `nowSeconds`. Earlier times (reordered records) are treated as the latest time. */
  advance(nowSeconds: number): void {
    const dt = nowSeconds - this.lastSeconds;
    if (!(dt > 0)) return;
    const { shortLambda, baselineLambda } = this.horizons;
    const baselineDecay = Math.exp(-baselineLambda * dt);
    const rateAtStart = this.#decayedCount * shortLambda;
    // r(u) = r0·e^(-λs·u) on the interval; ∫ e^(-λL·(dt-u))·r(u)^p du = r0^p·e^(-λL·dt)·∫ e^(-(p·λs - λL)·u) du.
    this.#moment1 =
      this.#moment1 * baselineDecay + rateAtStart * baselineDecay * decayIntegral(shortLambda - baselineLambda, dt);
    this.#moment2 =
      this.#moment2 * baselineDecay +
      rateAtStart * rateAtStart * baselineDecay * decayIntegral(2 * shortLambda - baselineLambda, dt);
    this.#weight = this.#weight * baselineDecay + decayIntegral(baselineLambda, dt);
    this.#decayedCount *= Math.exp(-shortLambda * dt);
    this.lastSeconds = nowSeconds;
  }

  /** Adds `count` writes at the current time (call `advance` first). Same as `count` calls adding 1. */
  addWrites(count: number): void {
    this.#decayedCount += count;
  }

  /** Short-horizon rate at the current time, writes/s. */
  rate(): number {
    return this.#decayedCount * this.horizons.shortLambda;
  }

  /** Long-horizon mean of the rate, writes/s (0 before any time has passed). */
  mean(): number {
    return this.#weight > 0 ? this.#moment1 / this.#weight : 0;
  }

  /** Long-horizon standard deviation of the rate, writes/s. */
  stdDev(): number {
    if (!(this.#weight > 0)) return 0;
    const mean = this.#moment1 / this.#weight;
    const variance = this.#moment2 / this.#weight - mean * mean;
    return variance > 0 ? Math.sqrt(variance) : 0;
  }

  /** Seconds since the first write, as of the last advance. */
  ageSeconds(): number {
    return this.lastSeconds - this.firstSeconds;
  }
}
