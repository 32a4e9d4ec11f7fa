import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Matrix, splitNulls } from "../../src/index.js";

describe("splitNulls", () => {
  it("replaces null by 0 and marks it, row-major, for vectors and nested rows", () => {
    const v = splitNulls([1, null, 3]);
    expect(v.values).toEqual([1, 0, 3]);
    expect(Array.from(v.missing ?? [])).toEqual([0, 1, 0]);
    const m = splitNulls([[1, null], [null, 2], [5, 6]]);
    expect(m.values).toEqual([[1, 0], [0, 2], [5, 6]]);
    expect(Array.from(m.missing ?? [])).toEqual([0, 1, 1, 0, 0, 0]);
  });

  it("returns anything without null as it is (same object, no mask)", () => {
    const plain = [[1, 2], [3, 4]];
    expect(splitNulls(plain).values).toBe(plain);
    expect(splitNulls(plain).missing).toBeUndefined();
    const matrix = Matrix.from([1, 2]);
    expect(splitNulls(matrix).values).toBe(matrix);
    expect(splitNulls(undefined).missing).toBeUndefined();
  });

  it("leaves other values for the caller to validate", () => {
    const { values } = splitNulls([[Number.NaN, null], ["x", 1]]);
    expect(values).toEqual([[Number.NaN, 0], ["x", 1]]);
    expect(() => Matrix.from(values as never, { name: "rewards" })).toThrow("rewards[1][0] is not a number");
    expect(() => Matrix.from(splitNulls([[Number.NaN, null]]).values as never, { name: "rewards" })).toThrow(/rewards\[0\]\[0\] is NaN/);
  });

  it("missing marks exactly the null entries of a rectangular input (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.option(fc.integer(), { nil: null }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 6 }), (rows) => {
        const { values, missing } = splitNulls(rows);
        const flat = rows.flat();
        if (!flat.includes(null)) expect(missing).toBeUndefined();
        else expect(Array.from(missing ?? [])).toEqual(flat.map((x) => (x === null ? 1 : 0)));
        expect((values as number[][]).flat()).toEqual(flat.map((x) => x ?? 0));
      }),
      { numRuns: 100 },
    );
  });
});
