import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runModule } from "./run-node.js";

const here = new URL("..", import.meta.url).pathname;

// A real crash: a child process saves a reward model, then starts a second save and is killed
// with SIGKILL half-way through writing it. The previous checkpoint must still load.
const childSource = (path: string) => `
import { ready } from "@rl/core";
import { createEmbeddingEncoder, createRewardModel } from "@rl/rewards";
await ready();
const rm = createRewardModel(createEmbeddingEncoder({ vocabSize: 32, hiddenSize: 256, seed: 1 }), { objective: "bradleyTerry" });
await rm.fit([{ chosenIds: [1, 2, 3], rejectedIds: [3, 2, 1] }, { chosenIds: [4, 5], rejectedIds: [5, 4] }], { epochs: 2, batchSize: 2 });
await rm.save(${JSON.stringify(path)});
console.log("saved " + rm.score([[1, 2, 3]]).join(","));
await rm.fit([{ chosenIds: [3, 2, 1], rejectedIds: [1, 2, 3] }], { epochs: 5, batchSize: 1 });
await rm.save(${JSON.stringify(path)}, {
  chunkSize: 1024,
  onChunkWritten: async (written) => {
    if (written === 1024) { console.log("mid-save"); await new Promise((r) => setTimeout(r, 60000)); }
  },
});
console.log("second save finished (should never print)");
`;

describe("reward-model checkpoints survive a kill during save", () => {
  it("SIGKILL mid-save leaves the previous checkpoint readable", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rl-kill-"));
    const path = join(dir, "rm.json");
    const script = join(here, ".tmp", "kill-child.mjs");
    await mkdir(join(here, ".tmp"), { recursive: true });
    await writeFile(script, childSource(path));
    const child = spawn(process.execPath, [script], { cwd: here, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const killed = await new Promise<boolean>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("mid-save")) child.kill("SIGKILL");
      });
      child.on("exit", (_code, signal) => resolve(signal === "SIGKILL"));
      child.on("error", reject);
    });
    expect(killed).toBe(true);
    const saved = /saved (\S+)/.exec(out)?.[1];
    expect(saved).toBeDefined();
    expect((await readdir(dir)).some((f) => f.endsWith(".tmp"))).toBe(true); // the torn temp file is there
    const { stdout } = await runModule(
      `import { ready } from "@rl/core";\nimport { createEmbeddingEncoder, createRewardModel } from "@rl/rewards";\nawait ready();\n` +
        `const rm = createRewardModel(createEmbeddingEncoder({ vocabSize: 32, hiddenSize: 256, seed: 99 }), { objective: "bradleyTerry" });\n` +
        `await rm.load(${JSON.stringify(path)});\nconsole.log(rm.score([[1, 2, 3]]).join(","));\n`,
      "kill-load",
    );
    expect(stdout.trim()).toBe(saved); // exactly the first checkpoint's model
  }, 120_000);
});
