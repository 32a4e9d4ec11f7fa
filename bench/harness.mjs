// Tiny benchmark harness: median of N timed runs after warm-up; results read outside tf.tidy.
import { tf } from "@rl/core";

/**
 * Median milliseconds of `fn` over `runs` runs after at least `warmup` runs and, when given, at
 * least `warmupMs` milliseconds of them (steady state: the JIT's optimised code, the allocator's
 * reused blocks, start-up work of the process finished). `fn` may be async. `stat: "min"` returns
 * the fastest run instead (for short calls on a shared machine, where the median measures the neighbours).
 */
export async function timeMs(fn, { runs = 5, warmup = 1, warmupMs = 0, stat = "median" } = {}) {
  const start = performance.now();
  for (let i = 0; i < warmup || performance.now() - start < warmupMs; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return stat === "min" ? times[0] : times[Math.floor(times.length / 2)];
}

/** Peak bytes held by tfjs tensors while `fn` runs (tf.profile). */
export async function peakBytes(fn) {
  const info = await tf.profile(fn);
  return info.peakBytes;
}

export const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
