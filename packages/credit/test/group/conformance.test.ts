import { loadConformanceCases } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import {
  gaeAdvantages,
  gpgAdvantages,
  grpoAdvantages,
  grpoPasskAdvantages,
  opoAdvantages,
  reinforcePlusPlusAdvantages,
  reinforcePlusPlusBaselineAdvantages,
  remaxAdvantages,
  rlooAdvantages,
  type AdvantageResult,
  type GroupIds,
} from "../../src/index.js";

// The vectors of section A (tools/conformance/vectors), checked without the CLI (same rule: skip mask = 0 entries).
interface Case {
  id: string;
  op: string;
  args: Record<string, unknown>;
  expected: Record<string, number[][]>;
  tol?: { abs?: number; rel?: number };
}
const cases = loadConformanceCases() as unknown as Case[];

type M = number[][];
const run: Record<string, (a: Record<string, unknown>) => AdvantageResult> = {
  "advantage.grpo": (a) =>
    grpoAdvantages(
      { tokenRewards: a.tokenRewards as M, mask: a.mask as M, groups: a.groups as GroupIds },
      { epsilon: a.epsilon as number, normalizeByStd: a.normalizeByStd as boolean },
    ),
  "advantage.grpoPassk": (a) =>
    grpoPasskAdvantages(
      { tokenRewards: a.tokenRewards as M, mask: a.mask as M, groups: a.groups as GroupIds },
      { epsilon: a.epsilon as number, normalizeByStd: a.normalizeByStd as boolean },
    ),
  "advantage.gpg": (a) =>
    gpgAdvantages({ tokenRewards: a.tokenRewards as M, mask: a.mask as M, groups: a.groups as GroupIds }, { fNorm: a.fNorm as number }),
  "advantage.rloo": (a) => rlooAdvantages({ tokenRewards: a.tokenRewards as M, mask: a.mask as M, groups: a.groups as GroupIds }),
  "advantage.opo": (a) => opoAdvantages({ tokenRewards: a.tokenRewards as M, mask: a.mask as M, groups: a.groups as GroupIds }),
  "advantage.reinforcePlusPlusBaseline": (a) =>
    reinforcePlusPlusBaselineAdvantages({ tokenRewards: a.tokenRewards as M, mask: a.mask as M, groups: a.groups as GroupIds }),
  "advantage.reinforcePlusPlus": (a) =>
    reinforcePlusPlusAdvantages({ tokenRewards: a.tokenRewards as M, mask: a.mask as M }, { gamma: a.gamma as number }),
  "advantage.remax": (a) => remaxAdvantages({ tokenRewards: a.tokenRewards as M, mask: a.mask as M, baselines: a.baselines as number[] }),
  "advantage.gae": (a) =>
    gaeAdvantages(
      { tokenRewards: a.tokenRewards as M, mask: a.mask as M, values: a.values as M },
      { gamma: a.gamma as number, lambda: a.lambda as number },
    ),
};

const mine = cases.filter((c) => c.op in run);

describe("conformance vectors of section A", () => {
  it("covers every op of section A", () => {
    expect(new Set(mine.map((c) => c.op))).toEqual(new Set(Object.keys(run)));
    expect(mine.length).toBe(56); // 24 of verl-trl-core, 16 + 16 (grpoPassk, gpg) of verl-trl-losses-2
  });
  it.each(mine.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const result = run[c.op]!(c.args) as unknown as Record<string, { toArray(): M }>;
    const mask = c.args.mask as M;
    const abs = c.tol?.abs ?? 2e-4;
    const rel = c.tol?.rel ?? 2e-4;
    for (const [key, want] of Object.entries(c.expected)) {
      const got = result[key]!.toArray();
      expect(got.length).toBe(want.length);
      want.forEach((row, i) =>
        row.forEach((w, j) => {
          if (mask[i]![j] === 0) {
            expect(got[i]![j]).toBe(0); // our padding rule
            return;
          }
          const g = got[i]![j]!;
          if (Math.abs(g - w) > abs + rel * Math.abs(w)) expect.fail(`${key}[${i}][${j}]: got ${g}, want ${w}`);
        }),
      );
    }
  });
});
