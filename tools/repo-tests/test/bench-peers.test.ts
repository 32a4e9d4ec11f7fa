// `pnpm bench:peers` (bench/peers.mjs + bench/peers.py + scripts/bench-deps.sh): the scripts parse
// and run end to end in their tiny smoke mode, without PyTorch. No timing is asserted: the bench
// prints its targets as met / not met and is never run by the tests at full size.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = new URL("../../..", import.meta.url).pathname;
const python = "/usr/bin/python3";

describe("bench:peers", () => {
  it("is a root script that installs the peer's Debian packages, builds, then runs bench/peers.mjs", () => {
    const scripts = (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts["bench:peers"]).toMatch(/scripts\/bench-deps\.sh.*bench\/peers\.mjs/);
  });

  it("scripts/bench-deps.sh is valid bash", async () => {
    await expect(run("bash", ["-n", `${root}scripts/bench-deps.sh`])).resolves.toBeDefined();
  });

  it("peers.mjs --smoke --no-peer prints the whole table, the peer columns n/a", async () => {
    const { stdout } = await run(process.execPath, ["bench/peers.mjs", "--smoke", "--no-peer"], { cwd: root, timeout: 300_000, maxBuffer: 4 << 20 });
    expect(stdout).toContain("peer: not run (--no-peer)");
    expect(stdout).toMatch(/\| work +\| @rl ms +\| torch 1t ms/);
    for (const work of ["log-probs + gradient", "log-probs forward", "lmHeadLogProbs", "PPO clipped loss", "demo GRPO step", "verl grpo_vectorized", "verl rloo_vectorized", "2 workers vs 1"]) {
      expect(stdout).toContain(work);
    }
  }, 320_000);

  it.skipIf(!existsSync(python))("peers.py parses and, without torch, says so as JSON", async () => {
    const script = `${root}bench/peers.py`;
    await run(python, ["-c", `import ast; ast.parse(open(${JSON.stringify(script)}).read())`]);
    const hideTorch = `import sys, runpy; sys.modules["torch"] = None; sys.argv = [${JSON.stringify(script)}, "--smoke"]; runpy.run_path(sys.argv[0], run_name="__main__")`;
    const { stdout } = await run(python, ["-c", hideTorch]);
    expect(JSON.parse(stdout.trim())).toMatchObject({ available: false });
  });
});
