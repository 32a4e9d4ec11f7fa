/**
 * The one TensorFlow.js namespace every `@rl/*` package uses: `@tensorflow/tfjs-core`, with every
 * gradient registered (tfjs-core alone registers none; docs/core-decisions.md P4) and the cpu backend.
 * The wasm backend is registered by `backend/backend.ts`. `@rl/core` does not depend on the
 * `@tensorflow/tfjs` umbrella: `tf.layers` / `tf.sequential` live in the optional
 * `@tensorflow/tfjs-layers` (import it yourself; it shares this engine), webgl and webgpu in their
 * optional backend packages. Plugins should import `tf` from here (or take
 * `@tensorflow/tfjs-core` as a peer) so that one engine owns every tensor.
 */
import * as tf from "@tensorflow/tfjs-core";
import "./register-gradients.js";
import "@tensorflow/tfjs-backend-cpu";
import { registerFastGradients } from "./backend/fast-gradients.js";
import { provideTf } from "./tf-slot.js";

provideTf(tf);
registerFastGradients(tf);

export { tf };
export { isTensor } from "./tf-slot.js";
export type Tensor = tf.Tensor;
export type Rank = tf.Rank;
