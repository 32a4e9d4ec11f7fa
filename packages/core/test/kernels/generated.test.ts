import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface BuildScript {
  generatedSource(): Promise<string>;
  generatedPath: string;
}

describe("rl-kernels.wasm.generated.ts", () => {
  it("is what scripts/build-rl-kernels.mjs makes from rl-kernels.wat (regenerate after editing the .wat)", async () => {
    const script = (await import(new URL("../../scripts/build-rl-kernels.mjs", import.meta.url).href)) as BuildScript;
    expect(await script.generatedSource()).toBe(readFileSync(script.generatedPath, "utf8"));
  });

  it("is a valid module with the four kernels, under 4 KB (browsers compile it synchronously)", async () => {
    const { rlKernelsWasmBase64 } = await import("../../src/kernels/rl-kernels.wasm.generated.js");
    const bytes = Buffer.from(rlKernelsWasmBase64, "base64");
    expect(bytes.length).toBeLessThan(4096);
    const module = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(["entropy_bwd", "entropy_fwd", "gather_bwd", "gather_fwd"]);
  });
});
