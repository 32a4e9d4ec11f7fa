// Build step of @rl/core (after tsc): replaces dist/register-gradients.js, which holds tfjs-core's
// deep `register_all_gradients` import that Node ESM cannot resolve, by a bundle of that module in
// which only the bare "@tensorflow/tfjs-core" specifier stays external (so the gradients register
// in the one engine the app's tfjs-core owns). See src/register-gradients.ts.
import { build } from "rolldown";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "dist", "register-gradients.js");
await build({
  input: out, // tsc's output: the two deep imports
  cwd: join(here, ".."),
  external: (id) => id === "@tensorflow/tfjs-core",
  logLevel: "warn",
  treeshake: { moduleSideEffects: true },
  output: { file: out, format: "esm", sourcemap: false },
});
