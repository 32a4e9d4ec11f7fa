import { RLError } from "../errors.js";
import { describeValue } from "../validate.js";

/**
 * The state of a {@link Rng}: four 32-bit words of xoshiro128**, and a fifth entry when
 * {@link Rng.normal} holds the cached second value of its last Box–Muller draw. Plain data (JSON
 * round-trips it exactly): copy it to fork or save, so save → restore → next draws are identical.
 */
export type RngState = readonly [number, number, number, number] | readonly [number, number, number, number, number];

/**
 * A seeded pseudo-random generator (xoshiro128**, Blackman & Vigna 2018) for everything that
 * samples: shuffles, splits, rollouts, dropout seeds. The same seed gives the same stream on
 * every platform. Stateful by design; `state()` / `Rng.fromState` make it an explicit value,
 * `fork()` derives an independent stream.
 *
 * @example
 * const rng = createRng(42);
 * rng.uniform(); // a number in [0, 1), the same on every run
 * rng.int(10);   // an integer in [0, 10)
 * @remarks xoshiro128** of D. Blackman, S. Vigna, "Scrambled linear pseudorandom number generators" (arXiv:1805.01407).
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  private constructor(state: RngState) {
    [this.s0, this.s1, this.s2, this.s3] = state;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = state[4];
  }

  /**
   * A generator seeded from a safe integer (splitmix32 expands it). Seeds in [−2^31, 2^31) give the
   * historical streams; larger ones hash both 32-bit halves and the sign, so distinct seeds never
   * share the low-word stream (`2^32` once gave the stream of `0`). Non-integers, NaN, ±Infinity
   * and |seed| > 2^53 − 1 throw `RLError("INVALID_CONFIG")`.
   */
  static fromSeed(seed: number): Rng {
    if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
      throw new RLError("INVALID_CONFIG", `createRng: seed must be a finite, safe integer (|seed| ≤ 2^53 − 1), got ${describeValue(seed)}`);
    }
    const splitmix = (start: number): (() => number) => {
      let x = start >>> 0;
      return (): number => {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        return (z ^ (z >>> 16)) >>> 0;
      };
    };
    const next = splitmix((seed ^ 0x9e3779b9) >>> 0);
    const words: [number, number, number, number] = [next(), next(), next(), next()];
    if (seed < -(2 ** 31) || seed >= 2 ** 31) {
      // Outside int32 the low word alone would collide (2^32 ≡ 0): hash the high word and the
      // sign into every state word. Seeds in [−2^31, 2^31) keep their historical streams.
      const lo = seed - Math.floor(seed / 2 ** 32) * 2 ** 32;
      const hi = Math.floor(seed / 2 ** 32);
      const lower = splitmix((lo ^ 0x9e3779b9) >>> 0);
      const mix = splitmix(((hi | 0) ^ 0x6a09e667 ^ (seed < 0 ? 0x5bd1e995 : 0)) >>> 0);
      for (let k = 0; k < 4; k++) words[k] = (lower() ^ mix() ^ 0xa5a5a5a5) >>> 0;
    }
    return new Rng(words);
  }

  /**
   * A generator continuing from a saved state ({@link Rng.state}). Throws `INVALID_INPUT` unless
   * it is four 32-bit unsigned integers, optionally followed by a finite number (the cached normal).
   */
  static fromState(state: RngState): Rng {
    if (!isRngState(state)) {
      throw new RLError("INVALID_INPUT", `Rng.fromState: state must be four 32-bit unsigned integers and an optional finite number, got ${JSON.stringify(state)}`);
    }
    return new Rng(state);
  }

  /** The current state (plain data): the four words, plus the cached normal when there is one. */
  state(): RngState {
    return this.spareNormal === undefined ? [this.s0, this.s1, this.s2, this.s3] : [this.s0, this.s1, this.s2, this.s3, this.spareNormal];
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RLError("INVALID_INPUT", `Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller, the spare cached). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** An index drawn with probability proportional to `weights` (non-negative, not all 0). */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let k = 0; k < weights.length; k++) {
      const w = weights[k] as number;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RLError("INVALID_INPUT", `Rng.categorical: weights[${k}] is ${w}`);
      total += w;
    }
    if (!(total > 0)) throw new RLError("INVALID_INPUT", "Rng.categorical: weights sum to 0");
    let u = this.uniform() * total;
    for (let k = 0; k < weights.length; k++) {
      u -= weights[k] as number;
      if (u < 0) return k;
    }
    return weights.length - 1;
  }

  /** A new array with the items in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** An independent generator derived from this one (advances this one). */
  fork(): Rng {
    return new Rng([this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32()]);
  }

  /** A 31-bit integer seed for tfjs ops that take one (`tf.randomUniform(…, seed)`). */
  tfSeed(): number {
    return this.nextUint32() >>> 1;
  }
}

/**
 * Whether `value` is a {@link RngState}: four 32-bit unsigned integers and an optional finite
 * fifth number (the cached Box–Muller value).
 * @example
 * isRngState(createRng(1).state()); // true
 * isRngState([1, 2, 3]); // false
 */
export function isRngState(value: unknown): value is RngState {
  return (
    Array.isArray(value) &&
    (value.length === 4 || (value.length === 5 && typeof value[4] === "number" && Number.isFinite(value[4]))) &&
    value.slice(0, 4).every((w) => Number.isInteger(w) && (w as number) >= 0 && (w as number) < 2 ** 32)
  );
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A seeded generator ({@link Rng}). `seed` must be a safe integer (see {@link Rng.fromSeed}):
 * seeds in [−2^31, 2^31) keep their streams, larger ones are hashed (no collisions with small
 * seeds), and non-integers or unsafe integers throw `RLError("INVALID_CONFIG")`.
 * @example
 * const a = createRng(7), b = createRng(7);
 * a.uniform() === b.uniform(); // true
 */
export function createRng(seed: number): Rng {
  return Rng.fromSeed(seed);
}
