import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { filesUnder } from "./run-node.js";

/**
 * TSDoc hygiene of `packages/*\/src` (issue 16, "The surface"):
 * - `@remarks` carries a reference (the paper, or the reference implementation a function mirrors)
 *   or says what the thing is for; `@remarks no paper` is noise and does not come back;
 * - the research specs are not in the repository, so comments do not cite them ("spec §4",
 *   "spec rewards.md §16", "shared/specs/…", "spec E5"); they cite the paper or a page of `docs/`.
 */

const root = new URL("../../..", import.meta.url).pathname;

/** Continuation lines of a comment joined, so a reference broken over two lines is still one match. */
function joinCommentLines(source: string): string {
  return source.replace(/\n[ \t]*\*(?!\/)[ \t]*/g, " ").replace(/\n[ \t]*\/\/[ \t]*/g, " ");
}

const NO_PAPER = /@remarks\b[^\n]*\bno paper\b/i;
const SPEC_REF = new RegExp(
  [
    String.raw`\bspecs?(?:\s+[\w-]+\.md)?\s*§`, // spec §4, spec rewards.md §16, spec alignment.md §§3–7
    String.raw`\bshared/specs\b`, // shared/specs/credit.md
    String.raw`§\s*\d[\d.]*\s+of\s+the\s+spec\b`, // §17 of the spec
    String.raw`\bthe\s+spec's\b`, // the spec's grading table
    String.raw`\bspec\s+E\d+\b`, // spec E5 (a worked example of the spec)
    String.raw`(?<![\w/-])(?:credit|rewards|alignment|ecosystem|performance)\.md\s+(?:§|P\d)`, // ecosystem.md P4, credit.md §19
  ].join("|"),
  "i",
);

interface Hit {
  file: string;
  line: number;
  text: string;
}

function scan(pattern: RegExp): { hits: Hit[]; files: number } {
  const hits: Hit[] = [];
  const packages = readdirSync(join(root, "packages"), { withFileTypes: true }).filter((d) => d.isDirectory());
  let files = 0;
  for (const pkg of packages) {
    for (const file of filesUnder(join(root, "packages", pkg.name, "src"), (n) => /\.(ts|tsx|mts|cts|js|mjs)$/.test(n))) {
      files++;
      const source = readFileSync(file, "utf8");
      // line by line first (exact line numbers), then the joined text for matches split over lines
      const lines = source.split("\n");
      const found = new Set<number>();
      lines.forEach((text, i) => {
        if (pattern.test(text)) {
          found.add(i + 1);
          hits.push({ file: relative(root, file), line: i + 1, text: text.trim() });
        }
      });
      if (found.size === 0 && pattern.test(joinCommentLines(source))) {
        hits.push({ file: relative(root, file), line: 0, text: "(a match split over comment lines)" });
      }
    }
  }
  return { hits, files };
}

const show = (hits: Hit[]) => hits.map((h) => `${h.file}:${h.line}  ${h.text}`).join("\n");

describe("TSDoc hygiene of packages/*/src", () => {
  it("the patterns catch what they are for, and only that", () => {
    for (const bad of [" * @remarks no paper", " * @remarks no paper (notebook display)", " * @remarks internal; no paper"]) expect(bad).toMatch(NO_PAPER);
    for (const ok of [" * @remarks Mirrors verl `masked_mean` (verl/utils/torch_functional.py).", " * @remarks PPO arXiv:1707.06347"]) expect(ok).not.toMatch(NO_PAPER);
    for (const bad of [
      "IPO (Azar et al. 2023, arXiv:2310.12036; spec §4)",
      "(spec rewards.md §16)",
      "every TRL `loss_type` (spec alignment.md §§3–7)",
      "Spec: `shared/specs/credit.md` §0 rule 7.",
      "PURE (arXiv:2504.15275) §17 of the spec",
      "the OpenRLHF column of the spec's grading table",
      "// spec E5: loss 0.971871",
      "temporary (ecosystem.md P4; issue 13)",
    ]) expect(bad).toMatch(SPEC_REF);
    for (const ok of [
      "(arXiv:2312.00886 §6; TRL `GeometricMixtureWrapper.forward`)",
      "IPO (arXiv:2310.12036; docs/alignment/preference.md)",
      "a semver version, a spec version a fresh registry accepts",
      "// worked example E5: loss 0.971871",
      "(docs/core-decisions.md P4)",
    ]) expect(ok).not.toMatch(SPEC_REF);
    expect(joinCommentLines(" * (independence assumed; spec\n * rewards.md §23)")).toMatch(SPEC_REF);
  });

  it("has no `@remarks no paper` (cite the reference implementation, say what it is for, or drop the tag)", () => {
    const { hits, files } = scan(NO_PAPER);
    expect(files).toBeGreaterThan(300);
    expect(hits, show(hits)).toEqual([]);
  });

  it('cites no "spec §…" (the specs are not in the repo: cite the paper, its section or equation, or a docs/ page)', () => {
    const { hits, files } = scan(SPEC_REF);
    expect(files).toBeGreaterThan(300);
    expect(hits, show(hits)).toEqual([]);
  });
});
