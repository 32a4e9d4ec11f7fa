import type * as TfCore from "@tensorflow/tfjs-core";

/**
 * Gradients of `Sum` and `Mean` without a `ones(x.shape)` temporary (docs/core-decisions.md P4;
 * issue 13).
 *
 * tfjs-core's own configs compute `dy · ones(x.shape)` (and `/ n` for the mean): `ones` fills a JS
 * typed array of the input's full size element by element in JS and uploads it. These take the
 * ones from the backend's `Fill` kernel instead (native on wasm); the formula is tfjs's:
 *
 *   Sum:   ∂L/∂x = dy · 1,      Mean:  ∂L/∂x = (dy · 1) / n      (dy reshaped to keep x's rank)
 *
 * Bit-identical to tfjs's. Why not `tf.broadcastTo`: docs/core-decisions.md, "Performance notes
 * moved from API docs".
 * Registered by `tf.ts` right after tfjs's gradients, for every backend.
 */
export function registerFastGradients(tf: typeof TfCore): void {
  // dy reshaped to x's rank with 1 on the reduced axes
  const expanded = (dy: TfCore.Tensor, x: TfCore.Tensor, axes: number[]) => {
    const shape = x.shape.slice();
    for (const a of axes) shape[a] = 1;
    return tf.cast(tf.reshape(dy, shape), "float32");
  };
  const axesOf = (attrs: unknown, x: TfCore.Tensor) => tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
  tf.registerGradient({
    kernelName: "Sum",
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0] as TfCore.Tensor;
      return { x: () => tf.mul(expanded(dy as TfCore.Tensor, x, axesOf(attrs, x)), tf.fill(x.shape, 1)) };
    },
  });
  tf.registerGradient({
    kernelName: "Mean",
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0] as TfCore.Tensor;
      const axes = axesOf(attrs, x);
      const reduceSize = axes.reduce((a, ax) => a * (x.shape[ax] as number), 1);
      return { x: () => tf.div(tf.mul(expanded(dy as TfCore.Tensor, x, axes), tf.fill(x.shape, 1)), reduceSize) };
    },
  });
}
