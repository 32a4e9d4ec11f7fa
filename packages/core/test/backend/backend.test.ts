import { afterAll, describe, expect, it } from "vitest";
import { RLError, activeBackend, ready, tf } from "../../src/index.js";
import { importOptionalBackend, readyWith } from "../../src/backend/backend.js";

describe("ready", () => {
  afterAll(async () => {
    await ready();
  });

  it("selects wasm by default, with SIMD, and cpu on request", async () => {
    expect(await ready()).toEqual({ backend: "wasm", fellBack: false });
    expect(activeBackend()).toBe("wasm");
    expect(tf.env().getBool("WASM_HAS_SIMD_SUPPORT")).toBe(true);
    expect(await ready({ backend: "cpu" })).toEqual({ backend: "cpu", fellBack: false });
    expect(activeBackend()).toBe("cpu");
  });

  it("computes gradients through gather on wasm (the kernel @rl/core adds)", async () => {
    await ready({ backend: "wasm" });
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d([0, 0, 2], "int32"))))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(g.dataSync())).toEqual([2, 0, 1]);
    g.dispose();
  });

  it("throws BACKEND_UNAVAILABLE naming the package when tfjs-node is not installed", async () => {
    // The workspace never installs the optional peers (autoInstallPeers: false).
    for (const [backend, pkg] of [
      ["node", "@tensorflow/tfjs-node"],
      ["node-gpu", "@tensorflow/tfjs-node-gpu"],
    ] as const) {
      const error = await ready({ backend }).catch((e: unknown) => e);
      expect(RLError.isInstance(error)).toBe(true);
      expect((error as RLError).code).toBe("BACKEND_UNAVAILABLE");
      expect((error as RLError).message).toContain(`"${pkg}" is not installed`);
      expect((error as RLError).message).toContain(`npm i ${pkg}`);
    }
    expect(activeBackend()).toBe("wasm"); // a failed request leaves the backend as it was
  });

  it("recognises the unbuilt-native-addon failure mode (pnpm skipped the install script)", async () => {
    const unbuilt = () =>
      Promise.reject(new Error("The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/lib/napi-v8/tfjs_binding.node."));
    const error = await importOptionalBackend("node-gpu", unbuilt).catch((e: unknown) => e);
    expect((error as RLError).code).toBe("BACKEND_UNAVAILABLE");
    expect((error as RLError).message).toMatch(/"@tensorflow\/tfjs-node-gpu" is installed but its native addon was not built/);
  });

  it("does not fall back to cpu for a missing package, but does for a failing start", async () => {
    await expect(readyWith({ backend: "node", fallbackToCpu: true }, () => Promise.reject(Object.assign(new Error("x"), { code: "ERR_MODULE_NOT_FOUND" })))).rejects.toThrow(/not installed/);
    expect(await readyWith({ backend: "webgl", fallbackToCpu: true }, () => Promise.resolve())).toEqual({ backend: "cpu", fellBack: true });
    await expect(ready({ backend: "webgl" })).rejects.toThrow(/webgl backend needs a browser/);
  });

  it("rejects unknown backends with INVALID_CONFIG", async () => {
    await expect(ready({ backend: "tpu" as "cpu" })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });
});
