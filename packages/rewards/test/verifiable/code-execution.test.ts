import { describe, expect, it } from "vitest";
import { RLError } from "@rl/core";
import { codeExecutionReward, type CodeExecutionResult, type CodeExecutor } from "../../src/index.js";

function fake(result: CodeExecutionResult): CodeExecutor & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    run: async (code) => {
      seen.push(code);
      return result;
    },
  };
}

describe("codeExecutionReward (spec §21)", () => {
  const completion = "try\n```python\nprint(0)\n```\nfinal\n```python\nprint(1)\n```";
  it("runs the last block; all vs fraction", async () => {
    const ex = fake({ passed: 3, total: 4, status: "ok" });
    expect((await codeExecutionReward(completion, [1, 2, 3, 4], { executor: ex })).reward).toBe(0);
    expect((await codeExecutionReward(completion, [1, 2, 3, 4], { executor: ex, mode: "fraction" })).reward).toBe(0.75);
    expect(ex.seen[0]).toBe("print(1)\n");
    expect((await codeExecutionReward(completion, [1], { executor: fake({ passed: 1, total: 1, status: "ok" }) })).reward).toBe(1);
  });
  it("errors, timeouts and missing code are 0; no tests is null", async () => {
    for (const status of ["compile_error", "runtime_error", "timeout"] as const) {
      expect((await codeExecutionReward(completion, [1], { executor: fake({ passed: 1, total: 1, status }) })).reward).toBe(0);
    }
    expect(await codeExecutionReward("no code", [1], { executor: fake({ passed: 1, total: 1, status: "ok" }) })).toEqual({ reward: 0, code: null, result: null });
    expect((await codeExecutionReward(completion, [], { executor: fake({ passed: 0, total: 0, status: "ok" }) })).reward).toBeNull();
    expect((await codeExecutionReward("print(2)", [1], { executor: fake({ passed: 1, total: 1, status: "ok" }), language: null })).code).toBe("print(2)");
  });
  it("bad executor output or config", async () => {
    await expect(codeExecutionReward(completion, [1], { executor: fake({ passed: 2, total: 1, status: "ok" }) })).rejects.toThrow(/passed=2, total=1/);
    await expect(codeExecutionReward(completion, [1], {} as never)).rejects.toThrow(RLError);
  });
});
