/**
 * The fused kernels as plain JS loops over typed arrays (float64 arithmetic, `Math.exp`): the
 * `cpu` backend's implementation, and the `wasm` backend's when the SIMD module cannot run.
 * Same formulas as `rl-kernels.wat`; rows of `v` contiguous values.
 */
type F32 = Float32Array;
type Ids = Int32Array | Float32Array;

/** Row max, NaN when the row has a NaN. */
function rowMax(x: ArrayLike<number>, o: number, v: number): number {
  let m = -Infinity;
  for (let j = 0; j < v; j++) {
    const a = x[o + j] as number;
    if (a > m) m = a;
    else if (a !== a) return NaN;
  }
  return m;
}

/** lp[i] = x[i, ids[i]]/τ − lse_i, lse[i] = logsumexp_j x[i, j]/τ. */
export function gatherForwardJs(x: ArrayLike<number>, ids: ArrayLike<number>, n: number, v: number, invT: number, lp: F32, lse: F32): void {
  for (let i = 0; i < n; i++) {
    const o = i * v;
    const m = rowMax(x, o, v) * invT;
    let s = 0;
    for (let j = 0; j < v; j++) s += Math.exp((x[o + j] as number) * invT - m);
    const l = m + Math.log(s);
    lse[i] = l;
    lp[i] = (x[o + (ids[i] as number)] as number) * invT - l;
  }
}

/** g[i, :] = (onehot(ids[i]) − softmax(x[i]/τ)) · dy[i] / τ. */
export function gatherBackwardJs(x: ArrayLike<number>, ids: Ids, lse: ArrayLike<number>, dy: ArrayLike<number>, n: number, v: number, invT: number, g: F32): void {
  for (let i = 0; i < n; i++) {
    const o = i * v;
    const c = (dy[i] as number) * invT;
    const l = lse[i] as number;
    for (let j = 0; j < v; j++) g[o + j] = -c * Math.exp((x[o + j] as number) * invT - l);
    const at = o + (ids[i] as number);
    g[at] = (g[at] as number) + c;
  }
}

/** With y = x/τ: h[i] = lse_i − E_p[y], lse[i] = lse_i, mu[i] = E_p[y]. */
export function entropyForwardJs(x: ArrayLike<number>, n: number, v: number, invT: number, h: F32, lse: F32, mu: F32): void {
  for (let i = 0; i < n; i++) {
    const o = i * v;
    const m = rowMax(x, o, v) * invT;
    let s = 0;
    let t = 0;
    for (let j = 0; j < v; j++) {
      const y = (x[o + j] as number) * invT - m;
      const e = Math.exp(y);
      s += e;
      t += e * y;
    }
    const ls = Math.log(s);
    h[i] = ls - t / s;
    lse[i] = m + ls;
    mu[i] = m + t / s;
  }
}

/** g[i, :] = dy[i]/τ · p · (mu[i] − x/τ), p = exp(x/τ − lse[i]). */
export function entropyBackwardJs(x: ArrayLike<number>, lse: ArrayLike<number>, mu: ArrayLike<number>, dy: ArrayLike<number>, n: number, v: number, invT: number, g: F32): void {
  for (let i = 0; i < n; i++) {
    const o = i * v;
    const c = (dy[i] as number) * invT;
    const l = lse[i] as number;
    const u = mu[i] as number;
    for (let j = 0; j < v; j++) {
      const y = (x[o + j] as number) * invT;
      g[o + j] = c * Math.exp(y - l) * (u - y);
    }
  }
}
