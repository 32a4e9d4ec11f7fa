import fc from "fast-check";

/** A random group batch: B rows of T tokens, right-padded masks, an outcome on the last token. */
export interface RandomBatch {
  tokenRewards: number[][];
  mask: number[][];
  groups: number[];
  scores: number[];
}

// multiples of 1/8: sums and shifts are exact, so "all equal" stays all equal after a shift
const score = fc.integer({ min: -40, max: 40 }).map((k) => k / 8);

export const groupBatch = (options: { minGroupSize?: number } = {}): fc.Arbitrary<RandomBatch> =>
  fc
    .record({
      T: fc.integer({ min: 1, max: 6 }),
      groupSizes: fc.array(fc.integer({ min: options.minGroupSize ?? 1, max: 5 }), { minLength: 1, maxLength: 4 }),
    })
    .chain(({ T, groupSizes }) => {
      const B = groupSizes.reduce((a, b) => a + b, 0);
      const groups = groupSizes.flatMap((n, g) => Array<number>(n).fill(g));
      return fc
        .record({
          lengths: fc.array(fc.integer({ min: 0, max: T }), { minLength: B, maxLength: B }),
          scores: fc.array(score, { minLength: B, maxLength: B }),
          perm: fc.shuffledSubarray(
            groups.map((_, i) => i),
            { minLength: B, maxLength: B },
          ),
        })
        .map(({ lengths, scores, perm }) => {
          const mask = lengths.map((n) => Array.from({ length: T }, (_, t) => (t < n ? 1 : 0)));
          const tokenRewards = lengths.map((n, b) => Array.from({ length: T }, (_, t) => (t === Math.max(n - 1, 0) ? scores[b]! : 0)));
          // rows of a group need not be contiguous: permute the group ids
          return { tokenRewards, mask, groups: perm.map((i) => groups[i]!), scores };
        });
    });

/** Adds `c` to the outcome of every row of group `g`. */
export function shiftGroup(batch: RandomBatch, g: number, c: number): RandomBatch {
  const tokenRewards = batch.tokenRewards.map((row, b) => {
    if (batch.groups[b] !== g) return row;
    const n = batch.mask[b]!.reduce((a, x) => a + x, 0);
    return row.map((x, t) => (t === Math.max(n - 1, 0) ? x + c : x));
  });
  return { ...batch, tokenRewards };
}

/** Every entry where the mask is 0 is exactly 0 (and not -0). */
export function paddingIsZero(x: number[][], mask: number[][]): boolean {
  return x.every((row, b) => row.every((v, t) => mask[b]![t] === 1 || Object.is(v, 0)));
}

export function closeTo(a: number[][], b: number[][], tol = 1e-9): boolean {
  return a.every((row, i) => row.every((v, j) => Math.abs(v - b[i]![j]!) <= tol * (1 + Math.abs(v))));
}
