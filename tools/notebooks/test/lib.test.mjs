import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { htmlPage, notebookIndexPage, notebookProblems, stripRunMetadata } from "../lib.mjs";

const cell = (...outputs) => ({ cell_type: "code", metadata: { execution: { "iopub.status.idle": "2026-11-23T00:00:00Z" } }, outputs, source: "" });

describe("notebookProblems", () => {
  it("passes a notebook whose outputs are results, displays and stdout", () => {
    const nb = {
      cells: [
        { cell_type: "markdown", source: "# t" },
        cell({ output_type: "execute_result", data: { "text/plain": "1" } }),
        cell({ output_type: "stream", name: "stdout", text: ["ok\n"] }, { output_type: "display_data", data: {} }),
      ],
    };
    expect(notebookProblems(nb)).toEqual([]);
  });

  it("reports exceptions (Deno) with the cell index and a traceback without ANSI colours", () => {
    const nb = { cells: [cell(), cell({ output_type: "error", ename: "Error", evalue: "boom", traceback: ["\u001b[31mError: boom\u001b[0m", "    at <anonymous>:1:7"] })] };
    expect(notebookProblems(nb)).toEqual(["cell 1: Error: boom\nError: boom\n    at <anonymous>:1:7"]);
  });

  it("reports stderr, which is how tslab prints type errors", () => {
    const nb = { cells: [cell({ output_type: "stream", name: "stderr", text: ["1:7 - Type 'string' is not assignable to type 'number'.\n"] })] };
    expect(notebookProblems(nb)).toEqual(["cell 0: stderr: 1:7 - Type 'string' is not assignable to type 'number'."]);
  });
});

describe("pages", () => {
  it("wraps nbconvert's basic body in a standalone page without file: scripts", () => {
    const body = '<h1 id="x">Title &amp; more<a class="anchor-link" href="#x">¶</a></h1><script src="file:///usr/share/javascript/x.js"></script><p>hi</p>';
    const page = htmlPage("01-x", body);
    expect(page).toContain("<title>Title &amp; more</title>");
    expect(page).not.toContain("file:///");
    expect(page).toContain("<p>hi</p>");
    expect(page).toContain("examples/notebooks/01-x.ipynb");
  });

  it("indexes pages by title", () => {
    const index = notebookIndexPage([{ file: "01-a.html", html: "<title>A</title>" }, { file: "02-b.html", html: "" }]);
    expect(index).toContain('<li><a href="01-a.html">A</a>');
    expect(index).toContain('<li><a href="02-b.html">02-b.html</a>');
  });

  it("drops per-run timestamps from notebooks written back as sources", () => {
    const text = stripRunMetadata(JSON.stringify({ cells: [cell()], metadata: { papermill: {} } }));
    expect(JSON.parse(text)).toEqual({ cells: [{ cell_type: "code", metadata: {}, outputs: [], source: "" }], metadata: {} });
  });
});

describe("examples/notebooks", () => {
  const dir = new URL("../../../examples/notebooks/", import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith(".ipynb"));

  it("has at least the four notebooks of the guide, each defaulting to the Deno kernel", () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const nb = JSON.parse(readFileSync(new URL(f, dir), "utf8"));
      expect(nb.metadata.kernelspec.name, f).toBe("deno");
      const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => [].concat(c.source).join(""));
      expect(code[0], `${f}: first cell chooses a backend`).toMatch(/await ready\(/);
      // committed sources carry no error outputs
      expect(notebookProblems(nb), f).toEqual([]);
    }
  });
});
