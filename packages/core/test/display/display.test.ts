import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rlErrorCode } from "../../src/testing/index.js";
import { displayReport, escapeHtml, formatValue, jupyterDisplay, lineChart, metricTable, show } from "../../src/index.js";

const code = rlErrorCode;

describe("formatValue / escapeHtml", () => {
  it("formats integers, decimals, tiny and huge numbers, and missing values", () => {
    expect(formatValue(3)).toBe("3");
    expect(formatValue(0.123456)).toBe("0.1235");
    expect(formatValue(-2.5)).toBe("-2.5");
    expect(formatValue(1.23456e-7)).toBe("1.235e-7");
    expect(formatValue(12345678.9)).toBe("1.235e+7");
    expect(formatValue(0.5, 2)).toBe("0.5");
    expect(formatValue(null)).toBe("—");
    expect(formatValue(undefined)).toBe("—");
    expect(formatValue(Number.NaN)).toBe("NaN");
    expect(formatValue("GRPO")).toBe("GRPO");
  });

  it("escapes HTML metacharacters", () => {
    expect(escapeHtml(`<b a="1">&'`)).toBe("&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
  });
});

describe("metricTable", () => {
  const rows = [
    { method: "GRPO", reward: 0.61834, steps: 60 },
    { method: "TEMPO", reward: 0.6075, steps: 60 },
  ];

  it("prints an aligned text table with numbers right-aligned", () => {
    const t = metricTable(rows, { title: "RL" });
    expect(String(t)).toBe(["RL", "method  reward  steps", "------  ------  -----", "GRPO    0.6183     60", "TEMPO   0.6075     60"].join("\n"));
    expect(inspect(t)).toBe(String(t));
  });

  it("gives Jupyter a MIME bundle with an escaped HTML table", () => {
    const t = metricTable([{ name: "<x>", v: 1 }]);
    const bundle = t[jupyterDisplay]();
    expect(bundle["text/html"]).toContain("<th");
    expect(bundle["text/html"]).toContain("&lt;x&gt;");
    expect(bundle["text/html"]).not.toContain("<x>");
    expect(bundle["text/plain"]).toBe(String(t));
  });

  it("takes one record as one row, a column order, and fills missing cells", () => {
    expect(metricTable({ a: 1, b: 2 }).rows).toHaveLength(1);
    const t = metricTable([{ a: 1 }, { b: 2 }], { columns: ["b", "a"] });
    expect(t.columns).toEqual(["b", "a"]);
    expect(String(t).split("\n")[2]).toBe("—  1");
  });

  it("rejects bad rows and unknown options", () => {
    expect(code(() => metricTable([null as never]))).toBe("INVALID_INPUT");
    expect(code(() => metricTable([], { digit: 3 } as never))).toBe("INVALID_CONFIG");
  });

  it("has one text line per row plus the header (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ k: fc.string({ maxLength: 5 }).filter((s) => !s.includes("\n")), v: fc.double({ noNaN: true }) }), { maxLength: 8 }), (rs) => {
        expect(String(metricTable(rs, { columns: ["k", "v"] })).split("\n")).toHaveLength(2 + rs.length);
      }),
    );
  });
});

describe("lineChart", () => {
  it("draws one polyline per series inside the plot box, with a legend", () => {
    const c = lineChart([0, 1, 2], { loss: [1, 0.5, 0.25], acc: [0, 0.5, 1] }, { title: "run", width: 400, height: 200 });
    const svg = c.toHTML();
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain(">loss</text>");
    // left 56, right 120 → plot spans x 56..280; top 32 (title), bottom 40 → y 32..160
    expect(svg).toContain('points="56.0,160.0 168.0,96.0 280.0,32.0"'); // acc rises 0 → 1: bottom to top
    expect(svg).toContain('points="56.0,32.0 168.0,96.0 280.0,128.0"'); // loss 1 → 0.25
    expect(String(c).split("\n")).toEqual([
      "run (y against x, 3 points)",
      "series      first      last       min       max",
      "loss            1      0.25      0.25         1",
      "acc             0         1         0         1",
    ]);
  });

  it("rejects ragged, non-finite and empty input", () => {
    expect(code(() => lineChart([0, 1], { a: [1] }))).toBe("SHAPE_MISMATCH");
    expect(code(() => lineChart([0, 1], { a: [1, Number.NaN] }))).toBe("NON_FINITE");
    expect(code(() => lineChart([0], { a: [1] }))).toBe("INVALID_INPUT");
    expect(code(() => lineChart([0, 1], {}))).toBe("INVALID_INPUT");
  });

  it("handles a flat series without dividing by zero", () => {
    expect(lineChart([0, 1], { a: [2, 2] }).toHTML()).not.toContain("NaN");
  });
});

describe("displayReport", () => {
  it("stacks a title, paragraphs and displayables in HTML and text", () => {
    const r = displayReport("Run", ["loss fell", metricTable({ loss: 0.1 })]);
    expect(r.toHTML()).toContain("<h3>Run</h3><p>loss fell</p><div><table");
    expect(String(r)).toBe("Run\n===\n\nloss fell\n\nloss\n----\n 0.1");
    expect(r[jupyterDisplay]()["text/html"]).toBe(r.toHTML());
    expect(code(() => displayReport("x", [42 as never]))).toBe("INVALID_INPUT");
  });
});

describe("show", () => {
  it("prints the text form outside a Deno kernel", async () => {
    const lines: unknown[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => lines.push(...a);
    try {
      await show(metricTable({ a: 1 }));
    } finally {
      console.log = log;
    }
    expect(inspect(lines[0])).toBe("a\n-\n1");
  });

  it("in a Deno kernel, awaits a display_data message with the MIME bundle", async () => {
    const sent: [string, Record<string, unknown>][] = [];
    const g = globalThis as { Deno?: unknown };
    g.Deno = { jupyter: { broadcast: async (type: string, content: Record<string, unknown>) => void sent.push([type, content]) } };
    try {
      const table = metricTable({ a: 1 });
      await show(table);
      await show(42); // not displayable: falls back to console.log
      expect(sent).toHaveLength(1);
      expect(sent[0]?.[0]).toBe("display_data");
      expect(sent[0]?.[1]).toEqual({ data: table[jupyterDisplay](), metadata: {}, transient: {} });
    } finally {
      delete g.Deno;
    }
  });
});
