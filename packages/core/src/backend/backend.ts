import "@tensorflow/tfjs-backend-wasm";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { tf } from "../tf.js";
import { initRlKernels } from "../kernels/register.js";
import { registerMissingWasmKernels } from "./wasm-kernels.js";

/** Backends `ready` knows. */
export const backendNames = ["wasm", "cpu", "webgl", "webgpu", "node", "node-gpu"] as const;
/** A backend name. */
export type BackendName = (typeof backendNames)[number];

/** The npm package each optional backend lives in (imported only on request). */
export const backendPackages: Readonly<Record<"node" | "node-gpu" | "webgpu" | "webgl", string>> = Object.freeze({
  node: "@tensorflow/tfjs-node",
  "node-gpu": "@tensorflow/tfjs-node-gpu",
  webgpu: "@tensorflow/tfjs-backend-webgpu",
  webgl: "@tensorflow/tfjs-backend-webgl",
});

/** Config of {@link ready}. */
export const readyConfig = z.object({
  /** The backend. Default `"wasm"` in Node and in browsers. */
  backend: z.enum(backendNames).default("wasm"),
  /** Fall back to `"cpu"` when the requested backend cannot start (not for missing packages). Default `false`. */
  fallbackToCpu: z.boolean().default(false),
  /** Silence tfjs's console banners and debug warnings (tfjs prod mode). Default `true`. */
  quiet: z.boolean().default(true),
  /**
   * Where the wasm backend finds its `.wasm` files: a URL prefix or a map from file name to URL.
   * Unneeded in Node (found next to the installed package); in browsers pass the served asset URLs.
   */
  wasmPaths: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
});
export type ReadyConfig = z.input<typeof readyConfig>;

/** What {@link ready} reports. */
export interface BackendInfo {
  /** The active backend. */
  readonly backend: string;
  /** Whether a fallback was taken. */
  readonly fellBack: boolean;
}

type Importer = (specifier: string) => Promise<unknown>;
const defaultImporter: Importer = (specifier) => import(/* @vite-ignore */ specifier);

/**
 * Selects and readies the tfjs backend in one call.
 *
 * - `wasm` (default, Node and browser): SIMD wasm shipped inside `@tensorflow/tfjs-backend-wasm`,
 *   about 30x the pure-JS `cpu` backend on matmul; Node finds the `.wasm` files by itself.
 * - `cpu`: the pure-JS fallback (always available).
 * - `webgl` / `webgpu`: browsers only, from the optional peers `@tensorflow/tfjs-backend-webgl` /
 *   `@tensorflow/tfjs-backend-webgpu` (imported only here).
 * - `node` / `node-gpu`: the optional peers `@tensorflow/tfjs-node` / `@tensorflow/tfjs-node-gpu`,
 *   imported only here. A missing or unbuilt package throws `RLError("BACKEND_UNAVAILABLE")`
 *   whose message names the package to install.
 *
 * It also registers the fused RL kernels (`rlKernelNames`) for `wasm` and `cpu` and compiles
 * their SIMD module asynchronously ({@link initRlKernels}).
 *
 * Idempotent: calling it again with the active backend is cheap.
 *
 * @example
 * import { ready } from "@rl/core";
 * await ready();                      // wasm
 * await ready({ backend: "cpu" });    // pure JS
 */
export async function ready(config: ReadyConfig = {}): Promise<BackendInfo> {
  return readyWith(config, defaultImporter);
}

/** {@link ready} with an injectable module importer (tests exercise the failure modes with it). */
export async function readyWith(config: ReadyConfig, importer: Importer): Promise<BackendInfo> {
  const cfg = parseConfig(readyConfig, config, "ready");
  if (cfg.quiet && !tf.env().getBool("PROD")) tf.enableProdMode();
  if (cfg.backend === "wasm") registerMissingWasmKernels();
  await initRlKernels();
  if (tf.getBackend() === cfg.backend && tf.findBackend(cfg.backend) !== null) {
    return { backend: cfg.backend, fellBack: false };
  }
  // A missing package is the user's to fix: never hidden by the fallback.
  if (cfg.backend === "webgl" && !isBrowser() && !cfg.fallbackToCpu) {
    throw new RLError("BACKEND_UNAVAILABLE", `ready: the webgl backend needs a browser; in Node use "wasm" (default) or "node"`);
  }
  if (cfg.backend === "node" || cfg.backend === "node-gpu" || cfg.backend === "webgpu" || (cfg.backend === "webgl" && isBrowser())) {
    await importOptionalBackend(cfg.backend, importer);
  }
  try {
    await activate(cfg.backend, cfg.wasmPaths);
    return { backend: cfg.backend, fellBack: false };
  } catch (error) {
    if (cfg.fallbackToCpu) {
      await activate("cpu", undefined);
      return { backend: "cpu", fellBack: true };
    }
    throw error;
  }
}

async function activate(name: BackendName, wasmPaths: string | Record<string, string> | undefined) {
  if (name === "wasm") {
    if (wasmPaths !== undefined) setWasmPaths(wasmPaths as string);
    registerMissingWasmKernels();
  }
  if (name === "webgl" && !isBrowser()) {
    throw new RLError("BACKEND_UNAVAILABLE", `ready: the webgl backend needs a browser; in Node use "wasm" (default) or "node"`);
  }
  const registered = name === "node-gpu" ? "tensorflow" : name === "node" ? "tensorflow" : name;
  let ok: boolean;
  try {
    ok = await tf.setBackend(registered);
    await tf.ready();
  } catch (cause) {
    throw new RLError("BACKEND_UNAVAILABLE", `ready: the ${name} backend failed to start: ${String(cause)}`, { cause });
  }
  if (!ok) throw new RLError("BACKEND_UNAVAILABLE", `ready: the ${name} backend failed to initialise`);
}

/**
 * Imports the package of an optional backend, mapping both failure modes seen in practice to
 * one `RLError("BACKEND_UNAVAILABLE")` that names the package: the package is absent
 * (`ERR_MODULE_NOT_FOUND`), or present but its native addon was never built (pnpm skips
 * install scripts: "The Node.js native addon module (tfjs_binding.node) can not be found").
 */
export async function importOptionalBackend(name: "node" | "node-gpu" | "webgpu" | "webgl", importer: Importer): Promise<void> {
  const pkg = backendPackages[name];
  try {
    await importer(pkg);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const code = (cause as { code?: unknown } | null)?.code;
    const missing =
      code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || /Cannot find (module|package)|Could not resolve|Failed to resolve/i.test(message);
    const unbuilt = /tfjs_binding\.node|native addon/i.test(message);
    const hint = missing
      ? `the package "${pkg}" is not installed; install it with \`npm i ${pkg}@4.22.0\``
      : unbuilt
        ? `the package "${pkg}" is installed but its native addon was not built (its install script downloads libtensorflow); reinstall "${pkg}" with install scripts enabled`
        : `importing "${pkg}" failed: ${message}`;
    throw new RLError("BACKEND_UNAVAILABLE", `ready: backend "${name}" is unavailable: ${hint}`, { cause });
  }
}

function isBrowser(): boolean {
  return typeof window !== "undefined" && typeof document !== "undefined";
}

/**
 * The active backend's name (`"wasm"`, `"cpu"`, `"tensorflow"` for node, …).
 */
export function activeBackend(): string {
  return tf.getBackend();
}
