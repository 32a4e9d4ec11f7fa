import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RLError, createRegistry } from "@rl/core";
import { grpoAdvantages, tempoAdvantages, type TempoBatch, type TempoResult } from "../../src/index.js";
import { treeDefinitions } from "../../src/tree/definitions.js";

// spec credit.md §11/§12 worked example: reward on the last valid token, pad = -1
const example: TempoBatch = {
  tokenIds: [
    [5, 7, 9, 2],
    [5, 7, 8, -1],
    [5, 6, 1, 2],
    [5, 6, 1, 3],
  ],
  mask: [
    [1, 1, 1, 1],
    [1, 1, 1, 0],
    [1, 1, 1, 1],
    [1, 1, 1, 1],
  ],
  tokenRewards: [
    [0, 0, 0, 1],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
    [0, 0, 0, 0],
  ],
  groups: [0, 0, 0, 0],
};

function expectMatrixClose(got: number[][], want: number[][], tol = 1e-6) {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - (want[i]?.[j] as number)), `[${i}][${j}] ${v}`).toBeLessThanOrEqual(tol)));
}

/** The conformance README's definition, evaluated naively (O(B·T·G)); groups of ≥ 2 rows. */
function naiveTempo(b: { tokenIds: number[][]; mask: number[][]; rewards: number[]; groups: number[] }, eps: number, norm: boolean) {
  const B = b.tokenIds.length;
  const T = b.tokenIds[0]?.length ?? 0;
  const len = b.mask.map((r) => r.reduce((a, v) => a + v, 0));
  return b.tokenIds.map((row, i) => {
    const members = b.groups.map((g, k) => (g === b.groups[i] ? k : -1)).filter((k) => k >= 0);
    const s = members.map((k) => b.rewards[k] as number);
    const mu = s.reduce((a, v) => a + v, 0) / s.length;
    const sd = members.length > 1 ? Math.sqrt(s.reduce((a, v) => a + (v - mu) ** 2, 0) / (s.length - 1)) : 1;
    const mean = members.length > 1 ? mu : 0;
    let prev = mean;
    return Array.from({ length: T }, (_, j) => {
      if (j >= (len[i] as number)) return 0;
      const through = members.filter((k) => (len[k] as number) > j && row.slice(0, j + 1).every((t, q) => b.tokenIds[k]?.[q] === t));
      const v = members.length > 1 ? through.reduce((a, k) => a + (b.rewards[k] as number), 0) / through.length : prev;
      const a = (b.rewards[i] as number) - mean + v - prev;
      prev = v;
      return norm ? a / (sd + eps) : a;
    });
  }).slice(0, B);
}

/** Random batches of right-padded, tree-shaped groups (rows copy a prefix of a sibling). */
const treeBatch = fc
  .record({
    groups: fc.array(
      fc.record({
        rows: fc.array(fc.record({ len: fc.integer({ min: 1, max: 6 }), share: fc.integer({ min: 0, max: 6 }), src: fc.nat(), seed: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 6, maxLength: 6 }), outcome: fc.integer({ min: -3, max: 3 }) }), { minLength: 2, maxLength: 5 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ groups }) => {
    const T = 6;
    const tokenIds: number[][] = [];
    const mask: number[][] = [];
    const rewards: number[] = [];
    const gid: number[] = [];
    groups.forEach((g, gi) => {
      const start = tokenIds.length;
      g.rows.forEach((r, i) => {
        const src = i > 0 ? tokenIds[start + (r.src % i)] : undefined;
        const row = r.seed.map((t, q) => (q < r.len ? (src !== undefined && q < r.share && (src[q] as number) >= 0 ? (src[q] as number) : t) : -1));
        tokenIds.push(row);
        mask.push(row.map((_, q) => (q < r.len ? 1 : 0)));
        rewards.push(r.outcome / 2);
        gid.push(gi);
      });
    });
    void T;
    return { tokenIds, mask, rewards, groups: gid };
  });

function asBatch(b: { tokenIds: number[][]; mask: number[][]; rewards: number[]; groups: number[] }): TempoBatch {
  return {
    tokenIds: b.tokenIds,
    mask: b.mask,
    groups: b.groups,
    tokenRewards: b.mask.map((row, i) => {
      const last = row.lastIndexOf(1);
      return row.map((_, t) => (t === last ? (b.rewards[i] as number) : 0));
    }),
  };
}

/** verl GRPO, written out: (s − μ)/(σ + ε), singleton μ = 0, σ = 1, broadcast over the mask. */
function naiveGrpo(scores: number[], groups: (string | number)[], mask: number[][], eps = 1e-6) {
  return mask.map((row, i) => {
    const s = scores.filter((_, k) => groups[k] === groups[i]);
    const n = s.length;
    const mu = n > 1 ? s.reduce((a, v) => a + v, 0) / n : 0;
    const sd = n > 1 ? Math.sqrt(s.reduce((a, v) => a + (v - mu) ** 2, 0) / (n - 1)) : 1;
    return row.map((m) => (m === 0 ? 0 : ((scores[i] as number) - mu) / (sd + eps)));
  });
}

describe("tempoAdvantages", () => {
  it("reproduces spec §12 example 1 (normalizeByStd)", () => {
    const r = tempoAdvantages(example);
    expectMatrixClose(r.advantages.toArray(), [
      [0.499999, 0.999998, 0.499999, 0.499999],
      [0.499999, 0.999998, 0.499999, 0],
      [0.499999, 0, 0.499999, 1.499997],
      [-1.499997, -1.999996, -1.499997, -2.499995],
    ]);
    expect(r.returns.toArray()).toEqual(r.advantages.toArray());
    expect(r.returns).toBe(r.advantages);
    expect(r.advantages.data).toBeInstanceOf(Float32Array);
    expect(r.tdTerms.data).toBeInstanceOf(Float32Array);
    expectMatrixClose(r.tdTerms.toArray(), [
      [0, 0.25, 0, 0],
      [0, 0.25, 0, 0],
      [0, -0.25, 0, 0.5],
      [0, -0.25, 0, -0.5],
    ], 1e-12);
    expect(r.diagnostics).toEqual({ groups: 1, branchTokens: 6, singletonGroups: 0, zeroStdGroups: 0, unscoredRows: 0 }); // rows 0/1 branch at t=2 with δ = 0
  });

  it("reproduces spec §12 example 2 (normalizeByStd = false)", () => {
    const r = tempoAdvantages(example, { normalizeByStd: false });
    expectMatrixClose(r.advantages.toArray(), [
      [0.25, 0.5, 0.25, 0.25],
      [0.25, 0.5, 0.25, 0],
      [0.25, 0, 0.25, 0.75],
      [-0.75, -1, -0.75, -1.25],
    ], 1e-12);
  });

  it("reproduces spec §12 example 3 (divergence at the first token)", () => {
    const r = tempoAdvantages({ tokenIds: [[1, 2], [3, 4]], mask: [[1, 1], [1, 1]], tokenRewards: [[0, 1], [0, 0]], groups: [0, 0] });
    expectMatrixClose(r.advantages.toArray(), [
      [1.4142116, 0.7071058],
      [-1.4142116, -0.7071058],
    ]);
  });

  it("equals the conformance definition evaluated naively (property)", () => {
    fc.assert(
      fc.property(treeBatch, fc.boolean(), (b, norm) => {
        const got = tempoAdvantages(asBatch(b), { normalizeByStd: norm }).advantages.toArray();
        expectMatrixClose(got, naiveTempo(b, 1e-6, norm), 1e-6 * 1e3);
      }),
      { numRuns: 100 },
    );
  });

  it("is GRPO on a group without branches (property)", () => {
    const noBranch = fc
      .array(
        fc.record({
          tokens: fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 8 }),
          rewards: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 6 }),
        }),
        { minLength: 1, maxLength: 4 },
      )
      .map((gs) => {
        const T = 8;
        const tokenIds: number[][] = [];
        const mask: number[][] = [];
        const rewards: number[] = [];
        const groups: string[] = [];
        gs.forEach((g, gi) => {
          for (const o of g.rewards) {
            tokenIds.push(Array.from({ length: T }, (_, t) => g.tokens[t] ?? -1));
            mask.push(Array.from({ length: T }, (_, t) => (t < g.tokens.length ? 1 : 0)));
            rewards.push(o);
            groups.push(`p${gi}`);
          }
        });
        return { tokenIds, mask, rewards, groups };
      });
    fc.assert(
      fc.property(noBranch, (b) => {
        const tokenRewards = b.mask.map((row, i) => row.map((_, t) => (t === row.lastIndexOf(1) ? (b.rewards[i] as number) : 0)));
        const r = tempoAdvantages({ ...b, tokenRewards }, { dtype: "float64" });
        const grpo = naiveGrpo(b.rewards, b.groups, b.mask);
        const got = r.advantages.toArray();
        got.forEach((row, i) => row.forEach((v, j) => {
          const w = grpo[i]?.[j] as number;
          expect(v).toBe(w); // bit for bit
        }));
        expect(r.diagnostics.branchTokens).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it("equals the package's grpoAdvantages on identical responses and tokens without a branch (property)", () => {
    fc.assert(
      fc.property(treeBatch, fc.boolean(), (b, norm) => {
        const batch = asBatch(b);
        const t = tempoAdvantages(batch, { normalizeByStd: norm, dtype: "float64" });
        const g = grpoAdvantages({ tokenRewards: batch.tokenRewards, mask: batch.mask, groups: batch.groups }, { normalizeByStd: norm, dtype: "float64" });
        const ta = t.advantages.toFlatArray();
        const ga = g.advantages.toFlatArray();
        const td = t.tdTerms.toFlatArray();
        ta.forEach((v, k) => {
          if (td[k] === 0) expect(Math.abs(v - (ga[k] as number))).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(v)));
        });
      }),
      { numRuns: 100 },
    );
  });

  it("equals GRPO on every non-branching token and is 0 on padding (property)", () => {
    fc.assert(
      fc.property(treeBatch, (b) => {
        const batch = asBatch(b);
        const r = tempoAdvantages(batch, { dtype: "float64" });
        const grpo = naiveGrpo(b.rewards, b.groups, b.mask);
        const adv = r.advantages.toArray();
        const td = r.tdTerms.toArray();
        adv.forEach((row, i) => row.forEach((v, j) => {
          if (b.mask[i]?.[j] === 0) expect(Object.is(v, 0) || v === 0).toBe(true);
          else if (td[i]?.[j] === 0) expect(Math.abs(v - (grpo[i]?.[j] as number))).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(v)));
          expect(Number.isFinite(v)).toBe(true);
        }));
      }),
      { numRuns: 100 },
    );
  });

  it("is invariant to adding a constant to a group's rewards (property)", () => {
    fc.assert(
      fc.property(treeBatch, fc.double({ min: -100, max: 100, noNaN: true }), fc.boolean(), (b, c, norm) => {
        const a = tempoAdvantages(asBatch(b), { normalizeByStd: norm, dtype: "float64" }).advantages.toArray();
        const shifted = { ...b, rewards: b.rewards.map((o, i) => (b.groups[i] === 0 ? o + c : o)) };
        const s = tempoAdvantages(asBatch(shifted), { normalizeByStd: norm, dtype: "float64" }).advantages.toArray();
        expectMatrixClose(s, a, 1e-6);
      }),
      { numRuns: 100 },
    );
  });

  it("count-weighted TD terms sum to zero over the children of a node where no row ends (property)", () => {
    fc.assert(
      fc.property(treeBatch, (b) => {
        // Full-length rows (no row ends early): at t = 0, Σ_i δ_{i,0} = Σ_children count·(V_c − μ) = 0.
        const full = { ...b, mask: b.mask.map((r) => r.map(() => 1)), tokenIds: b.tokenIds.map((r) => r.map((t) => (t < 0 ? 0 : t))) };
        const td = tempoAdvantages(asBatch(full), { dtype: "float64" }).tdTerms.toArray();
        const perGroup = new Map<number, number>();
        td.forEach((row, i) => perGroup.set(b.groups[i] as number, (perGroup.get(b.groups[i] as number) ?? 0) + (row[0] as number)));
        for (const v of perGroup.values()) expect(Math.abs(v)).toBeLessThanOrEqual(1e-9);
      }),
      { numRuns: 100 },
    );
  });

  it("handles many groups in any row order (permuting rows permutes the result)", () => {
    const b = {
      tokenIds: [[1, 2, 3], [9, 9, -1], [1, 2, 4], [9, 8, 7], [1, 5, -1], [9, 9, 9]],
      mask: [[1, 1, 1], [1, 1, 0], [1, 1, 1], [1, 1, 1], [1, 1, 0], [1, 1, 1]],
      rewards: [1, 0, 0, 1, 1, 0],
      groups: [0, 1, 0, 1, 0, 1],
    };
    const r = tempoAdvantages(asBatch(b), { dtype: "float64" }).advantages.toArray();
    const perm = [5, 2, 0, 3, 1, 4];
    const pb = {
      tokenIds: perm.map((k) => b.tokenIds[k] as number[]),
      mask: perm.map((k) => b.mask[k] as number[]),
      rewards: perm.map((k) => b.rewards[k] as number),
      groups: perm.map((k) => b.groups[k] as number),
    };
    const pr = tempoAdvantages(asBatch(pb), { dtype: "float64" }).advantages.toArray();
    // the float32 default permutes the same way (each entry is the float64 one rounded)
    const pr32 = tempoAdvantages(asBatch(pb)).advantages.toArray();
    perm.forEach((k, i) => expect(pr32[i]).toEqual((r[k] as number[]).map(Math.fround)));
    perm.forEach((k, i) => expect(pr[i]).toEqual(r[k]));
    expectMatrixClose(r, naiveTempo(b, 1e-6, true), 1e-9);
  });

  it("edge cases: group of one, all-equal rewards, rounding snap", () => {
    const one = { tokenIds: [[1, 2]], mask: [[1, 1]], tokenRewards: [[0, 0.7]], groups: ["x"] };
    const f64 = { dtype: "float64" } as const;
    expect(tempoAdvantages(one, f64).advantages.toArray()[0]?.[0]).toBeCloseTo(0.7 / (1 + 1e-6), 12);
    expect(tempoAdvantages(one).advantages.toArray()[0]?.[0]).toBe(Math.fround(0.7 / (1 + 1e-6)));
    expect(tempoAdvantages(one, { singleton: "zero" }).advantages.toFlatArray()).toEqual([0, 0]);
    expect(tempoAdvantages(one, { singleton: "raw", ...f64 }).advantages.toFlatArray()).toEqual([0.7, 0.7]);
    expect(tempoAdvantages(one).diagnostics.singletonGroups).toBe(1);
    expect(() => tempoAdvantages(one, { singleton: "error" })).toThrow(/group x has one row/);
    for (const singleton of ["zeroMeanUnitStd", "zero", "raw"] as const) {
      for (const normalizeByStd of [true, false]) {
        const cfg = { singleton, normalizeByStd, ...f64 };
        expect(tempoAdvantages(one, cfg).advantages.toFlatArray()).toEqual(grpoAdvantages(one, cfg).advantages.toFlatArray());
      }
    }
    // all-equal rewards: 0 everywhere even though 0.1 means of 3 and 2 rows differ in the last bit
    const eq = asBatch({ tokenIds: [[1, 2], [1, 3], [1, 3], [4, 4], [4, 4]], mask: [[1, 1], [1, 1], [1, 1], [1, 1], [1, 1]], rewards: [0.1, 0.1, 0.1, 0.1, 0.1], groups: [0, 0, 0, 0, 0] });
    const r = tempoAdvantages(eq, f64);
    expect(r.advantages.toFlatArray().every((v) => v === 0)).toBe(true);
    expect(r.tdTerms.toFlatArray().every((v) => v === 0)).toBe(true);
    expect(r.diagnostics.zeroStdGroups).toBe(1);
  });

  it("rewards override the token-reward sums", () => {
    const withKl = { ...example, tokenRewards: (example.tokenRewards as number[][]).map((r) => r.map((v) => v - 0.01)), rewards: [1, 1, 1, 0] };
    const f64 = { dtype: "float64" } as const;
    expectMatrixClose(tempoAdvantages(withKl, f64).advantages.toArray(), tempoAdvantages(example, f64).advantages.toArray(), 1e-12);
  });

  it("null rewards: the row is left out of the statistics and the tree, advantage 0", () => {
    const b = { tokenIds: example.tokenIds, mask: example.mask, groups: example.groups };
    const r = tempoAdvantages({ ...b, rewards: [1, null, 1, 0] }, { dtype: "float64" });
    // same as the batch without row 1
    const drop = (m: number[][]) => m.filter((_, i) => i !== 1);
    const ref = tempoAdvantages({
      tokenIds: drop(example.tokenIds as number[][]),
      mask: drop(example.mask as number[][]),
      groups: [0, 0, 0],
      rewards: [1, 1, 0],
    }, { dtype: "float64" }).advantages.toArray();
    const got = r.advantages.toArray();
    expect(got[1]).toEqual([0, 0, 0, 0]);
    expectMatrixClose(drop(got), ref, 1e-12);
    expect(r.diagnostics.unscoredRows).toBe(1);
    // tokenRewards may be omitted when rewards are given; a group with no scored row gives 0
    expect(tempoAdvantages({ ...b, rewards: [null, null, null, null] }).advantages.toFlatArray().every((v) => v === 0)).toBe(true);
  });

  it("interior masks: stopAtFirst keeps the GRPO value after the first masked token; skip walks on", () => {
    const b = asBatch({ tokenIds: [[1, 0, 2], [1, 0, 3]], mask: [[1, 0, 1], [1, 0, 1]], rewards: [1, 0], groups: [0, 0] });
    const stop = tempoAdvantages(b, { dtype: "float64" }).advantages.toArray();
    const g = 0.5 / (Math.SQRT1_2 + 1e-6);
    expectMatrixClose(stop, [[g, 0, g], [-g, 0, -g]], 1e-9);
    const skip = tempoAdvantages(b, { interiorMask: "skip", dtype: "float64" }).advantages.toArray();
    expectMatrixClose(skip, [[g, 0, 2 * g], [-g, 0, -2 * g]], 1e-9);
  });

  it("default float32 output is the float64 output rounded entry by entry; dtype float64 keeps Float64Array", () => {
    // rewards like 0.1 and 1/3 make μ, σ and δ non-representable in float32
    const b = { ...example, tokenRewards: undefined, rewards: [0.1, 1 / 3, 0.7, -0.2] };
    const f64 = tempoAdvantages(b, { dtype: "float64" });
    const f32 = tempoAdvantages(b);
    expect(f64.advantages.data).toBeInstanceOf(Float64Array);
    expect(f64.tdTerms.data).toBeInstanceOf(Float64Array);
    expect(f32.advantages.data).toBeInstanceOf(Float32Array);
    expect(f32.tdTerms.data).toBeInstanceOf(Float32Array);
    expect(f32.returns).toBe(f32.advantages);
    expect(f32.advantages.data).toEqual(Float32Array.from(f64.advantages.data));
    expect(f32.tdTerms.data).toEqual(Float32Array.from(f64.tdTerms.data));
    expect(Array.from(f64.advantages.data).some((v) => Math.fround(v) !== v)).toBe(true); // the rounding is exercised
    expect(Array.from(f64.tdTerms.data).some((v) => Math.fround(v) !== v)).toBe(true);
    expect(f32.diagnostics).toEqual(f64.diagnostics);
    fc.assert(
      fc.property(treeBatch, fc.boolean(), fc.double({ min: 0.01, max: 3, noNaN: true }), (tb, norm, scale) => {
        const batch = asBatch({ ...tb, rewards: tb.rewards.map((o) => o * scale) });
        const x = tempoAdvantages(batch, { normalizeByStd: norm, dtype: "float64" });
        const y = tempoAdvantages(batch, { normalizeByStd: norm });
        expect(y.advantages.data).toEqual(Float32Array.from(x.advantages.data));
        expect(y.tdTerms.data).toEqual(Float32Array.from(x.tdTerms.data));
      }),
      { numRuns: 100 },
    );
  });

  it("throws clear errors", () => {
    expect(() => tempoAdvantages({ tokenIds: [], mask: [], tokenRewards: [], groups: [] })).toThrow(/tempoAdvantages: the batch is empty/);
    expect(() => tempoAdvantages({ ...example, mask: [[1, 1, 1]] })).toThrow(/tempoAdvantages: mask has shape \[1,3\], tokenRewards has \[4,4\]/);
    expect(() => tempoAdvantages({ ...example, tokenIds: [[1, 2, 3, 4]] })).toThrow(/tokenIds has shape \[1,4\], tokenRewards has \[4,4\]/);
    expect(() => tempoAdvantages({ ...example, groups: [0, 0] })).toThrow(/groups has 2 entries, tokenRewards has 4 rows/);
    expect(() => tempoAdvantages({ ...example, rewards: [1] })).toThrow(/rewards has 1 entries, tokenRewards has 4 rows/);
    expect(() => tempoAdvantages({ ...example, mask: [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 2]] })).toThrow(/mask\[3\]\[3\] is 2/);
    expect(() => tempoAdvantages({ ...example, tokenRewards: [[Number.NaN, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]] })).toThrow(RLError);
    expect(() => tempoAdvantages(example, { epsilon: -1 })).toThrow(/tempoAdvantages: invalid config/);
    expect(() => tempoAdvantages({ tokenIds: example.tokenIds, mask: example.mask, groups: example.groups })).toThrow(/give tokenRewards \[B\]\[T\] or rewards \[B\]/);
    expect(() => tempoAdvantages({ ...example, tokenIds: undefined as unknown as number[][] })).toThrow(/tokenIds \(token ids \[B\]\[T\]\) is required/);
  });

  it("is registered as rl/tempo and builds (batch) => result", () => {
    const registry = createRegistry();
    for (const d of treeDefinitions) registry.register(d);
    expect(registry.list("credit-assigner").map((d) => d.name)).toEqual(["rl/spo-chain", "rl/spo-tree", "rl/tempo"]);
    const tempo = registry.create<(b: TempoBatch) => TempoResult>("credit-assigner", "rl/tempo", { normalizeByStd: false });
    expect(tempo(example).advantages.toArray()).toEqual(tempoAdvantages(example, { normalizeByStd: false }).advantages.toArray());
    // the registry schema carries dtype
    const tempo64 = registry.create<(b: TempoBatch) => TempoResult>("credit-assigner", "rl/tempo", { dtype: "float64" });
    expect(tempo64(example).advantages.data).toBeInstanceOf(Float64Array);
    expect(tempo(example).advantages.data).toBeInstanceOf(Float32Array);
  });
});

describe("tempoAdvantages: tokenIds (responses is its deprecated alias)", () => {
  it("gives the same advantages under either name and refuses both when they differ", () => {
    const base = { tokenRewards: [[0, 1], [0, 0]], mask: [[1, 1], [1, 1]], groups: [0, 0] };
    const ids = [[1, 2], [1, 4]];
    const a = tempoAdvantages({ ...base, tokenIds: ids }).advantages.toArray();
    expect(a).toEqual(tempoAdvantages({ ...base, responses: ids }).advantages.toArray());
    expect(a[0]?.[1]).toBeCloseTo(1.414212, 5);
    expect(tempoAdvantages({ ...base, tokenIds: ids, responses: ids.map((r) => [...r]) }).advantages.toArray()).toEqual(a);
    expect(() => tempoAdvantages({ ...base, tokenIds: ids, responses: [[1, 2], [1, 5]] })).toThrow(
      "tempoAdvantages: tokenIds and responses (its deprecated name) are both given and differ at entry 3; give only tokenIds",
    );
    expect(() => tempoAdvantages(base as never)).toThrow(/tokenIds \(token ids \[B\]\[T\]\) is required/);
  });
});
