import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Matrix, RLError, assertMask, tf, toMatrix2D, toVector } from "../../src/index.js";

describe("Matrix", () => {
  it("builds from nested arrays (float64) and reads back", () => {
    const m = Matrix.from([[1, 2, 3], [4, 5, 6]]);
    expect(m.shape).toEqual([2, 3]);
    expect(m.data).toBeInstanceOf(Float64Array);
    expect(m.get(1, 2)).toBe(6);
    expect(Array.from(m.row(1))).toEqual([4, 5, 6]);
    expect(m.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(Matrix.from([1, 2]).shape).toEqual([2]);
    expect(Matrix.from({ data: [1, 2, 3, 4], shape: [2, 2] }).get(1, 0)).toBe(3);
  });

  it("row() is a zero-copy view", () => {
    const m = Matrix.from([[1, 2], [3, 4]]);
    m.row(1)[0] = 9;
    expect(m.get(1, 0)).toBe(9);
  });

  it("bridges to and from tensors without copying float32 data", async () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const m = new Matrix(data, [2, 2]);
    const before = tf.memory().numTensors;
    const t = m.toTensor();
    expect(t.shape).toEqual([2, 2]);
    const back = await Matrix.fromTensor(t);
    expect(back.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(Matrix.fromTensorSync(t).data).toBeInstanceOf(Float32Array);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("names the argument and position of bad input", () => {
    expect(() => Matrix.from([[1, 2], [3]], { name: "mask", fn: "grpoAdvantages" })).toThrow(
      "grpoAdvantages: mask is ragged: row 0 has 2 entries, row 1 has 1",
    );
    expect(() => Matrix.from([[1, Number.NaN]], { name: "rewards" })).toThrow("rewards[0][1] is NaN; expected a finite number");
    expect(() => Matrix.from([[1, Infinity]])).toThrow(/Infinity/);
    expect(Matrix.from([[1, Infinity]], { finite: false }).get(0, 1)).toBe(Infinity);
    expect(() => new Matrix(new Float64Array(3), [2, 2])).toThrow(/data has 3 entries/);
    expect(() => toMatrix2D([1, 2], "x", "f")).toThrow("f: x must be 2-D [B, T], got shape [2]");
    expect(() => toVector([[1]], "r", "f")).toThrow(/must be 1-D/);
    expect(() => assertMask(Matrix.from([[1, 0.5]]), "mask", "f")).toThrow("f: mask[0][1] is 0.5; a mask holds only 0 and 1");
    try {
      Matrix.from([[1], [2, 3]]);
    } catch (e) {
      expect(RLError.isInstance(e) && e.code).toBe("SHAPE_MISMATCH");
    }
  });

  it("renders as HTML for notebooks", () => {
    const html = (Matrix.from([[1, 0.5]]) as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]!();
    expect(html["text/html"]).toContain(">0.5</td>");
    expect(html["text/html"]).toContain("<caption>Matrix [1, 2] float64</caption>");
    expect(html["text/plain"]).toBe("Matrix [1, 2] float64\n  1 0.5");
  });

  it("prints as an aligned preview in console.log / the REPL, eliding past 20 rows and columns", () => {
    expect(inspect(Matrix.from([[1, -2.5], [30, 4]]))).toBe("Matrix [2, 2] float64\n   1 -2.5\n  30    4");
    const big = Matrix.zeros([25, 30]);
    const lines = String(big).split("\n");
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines[1]?.trim().split(/ +/)).toHaveLength(21);
    expect(lines[1]?.endsWith("…")).toBe(true);
    expect(Matrix.from([1, 2, 3]).toString()).toBe("Matrix [3] float64\n1 2 3");
  });
});
