import type { ConformanceCase } from "@rl/core/testing";
import { expect } from "vitest";

/** `|got − want| ≤ abs + rel·|want|` entrywise, skipping entries where `mask` is 0 (padding). */
export function expectCloseMasked(got: number[], want: number[], tol: ConformanceCase["tol"], mask?: number[], where = ""): void {
  expect(got.length, `${where} length`).toBe(want.length);
  want.forEach((w, k) => {
    if (mask !== undefined && mask[k] === 0) return;
    const g = got[k] as number;
    expect(Math.abs(g - w) <= tol.abs + tol.rel * Math.abs(w), `${where}[${k}]: got ${g}, want ${w}`).toBe(true);
  });
}
