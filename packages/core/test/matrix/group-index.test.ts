import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RLError, groupMembers, indexGroups } from "../../src/arrays.js";

describe("indexGroups", () => {
  it("indexes ids in order of first appearance", () => {
    const index = indexGroups(["a", "b", "a", "c", "b"], 5);
    expect(index.ids).toEqual(["a", "b", "c"]);
    expect(Array.from(index.of)).toEqual([0, 1, 0, 2, 1]);
    expect(Array.from(index.sizes)).toEqual([2, 2, 1]);
    expect(index.count).toBe(3);
    expect(groupMembers(index)).toEqual([[0, 2], [1, 4], [3]]);
  });

  it("1 and \"1\" are different groups; skipped rows belong to none", () => {
    const index = indexGroups([1, "1", 1, 2], 4, { skip: Uint8Array.of(0, 0, 1, 0) });
    expect(index.ids).toEqual([1, "1", 2]);
    expect(Array.from(index.of)).toEqual([0, 1, -1, 2]);
    expect(Array.from(index.sizes)).toEqual([1, 1, 1]);
    expect(groupMembers(index)).toEqual([[0], [1], [3]]);
  });

  it("undefined groups: one group when optional, an RLError otherwise", () => {
    const index = indexGroups(undefined, 3, { optional: true });
    expect(index.count).toBe(1);
    expect(Array.from(index.sizes)).toEqual([3]);
    expect(indexGroups(undefined, 0, { optional: true }).count).toBe(0);
    expect(() => indexGroups(undefined, 3, { fn: "f" })).toThrow(RLError);
    expect(() => indexGroups(undefined, 3, { fn: "f" })).toThrow("f: groups is required");
  });

  it("names both lengths and the bad id", () => {
    expect(() => indexGroups([0, 0], 3, { fn: "f", rowsName: "mask" })).toThrow("f: groups has 2 entries, mask has 3 rows");
    expect(() => indexGroups([0, Number.NaN], 2, { fn: "f" })).toThrow("f: groups[1] is NaN; expected a string or a finite number");
    expect(() => indexGroups([0, null], 2, { fn: "f" })).toThrow("f: groups[1] is null");
  });

  it("property: small integer ids (a table) and other ids (a Map) index as one Map would", () => {
    const id = fc.oneof(
      fc.integer({ min: 0, max: 30 }),
      fc.constantFrom(-0, -1, 2.5, 1e9, 2 ** 40, "3", "a", ""),
    );
    fc.assert(
      fc.property(fc.array(id, { minLength: 1, maxLength: 60 }), (ids) => {
        const index = indexGroups(ids, ids.length);
        const byId = new Map<string | number, number>();
        const want: number[] = [];
        const firsts: (string | number)[] = [];
        for (const x of ids) {
          if (!byId.has(x)) {
            byId.set(x, byId.size);
            firsts.push(x); // as given (a Map key would turn −0 into 0)
          }
          want.push(byId.get(x) as number);
        }
        expect(Array.from(index.of)).toEqual(want);
        expect(index.ids).toEqual(firsts);
      }),
    );
  });

  it("property: sizes sum to the rows and members partition the rows", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 200 }), (ids) => {
        const index = indexGroups(ids, ids.length);
        expect(Array.from(index.sizes).reduce((a, b) => a + b, 0)).toBe(ids.length);
        expect(index.count).toBe(new Set(ids).size);
        const members = groupMembers(index);
        expect(members.flat().sort((a, b) => a - b)).toEqual(ids.map((_, b) => b));
        for (const rows of members) expect(new Set(rows.map((b) => ids[b])).size).toBe(1);
      }),
    );
  });
});
