import { ready, tf } from "@rl/core";
import { dpoLoss } from "@rl/alignment";
import wasmUrl from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimdUrl from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreadedSimdUrl from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";

/** The `.wasm` files as Vite serves them (hashed asset URLs in a build). */
export const wasmPaths = {
  "tfjs-backend-wasm.wasm": wasmUrl,
  "tfjs-backend-wasm-simd.wasm": wasmSimdUrl,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimdUrl,
};

/** What the live DPO step shows. */
export interface DpoStepResult {
  readonly backend: string;
  readonly loss: number;
  /** dL/d(policy chosen log-prob) and dL/d(policy rejected log-prob), per pair. */
  readonly gradChosen: number[];
  readonly gradRejected: number[];
}

/** Fixed sequence log-probs of two preference pairs. */
export const dpoInputs = {
  policyChosen: [-1.2, -0.8],
  policyRejected: [-1.0, -1.5],
  refChosen: [-1.1, -1.0],
  refRejected: [-1.1, -1.2],
} as const;

/** Readies the wasm backend with the served `.wasm` files, then runs one `dpoLoss` forward + gradient. */
export async function runDpoStep(): Promise<DpoStepResult> {
  const info = await ready({ backend: "wasm", wasmPaths });
  const refChosen = tf.tensor1d([...dpoInputs.refChosen]);
  const refRejected = tf.tensor1d([...dpoInputs.refRejected]);
  const pc = tf.tensor1d([...dpoInputs.policyChosen]);
  const pr = tf.tensor1d([...dpoInputs.policyRejected]);
  try {
    const { value, grads } = tf.valueAndGrads((policyChosen: tf.Tensor, policyRejected: tf.Tensor) => {
      // The forward pass runs inside a tidy (tfjs engine.gradients): the extra outputs are freed.
      return dpoLoss({ policyChosen, policyRejected, refChosen, refRejected }, { beta: 0.1 }).loss;
    })([pc, pr]);
    const loss = (await value.data())[0] as number;
    const gradChosen = Array.from(await (grads[0] as tf.Tensor).data());
    const gradRejected = Array.from(await (grads[1] as tf.Tensor).data());
    tf.dispose([value, ...grads]);
    return { backend: info.backend, loss, gradChosen, gradRejected };
  } finally {
    tf.dispose([refChosen, refRejected, pc, pr]);
  }
}
