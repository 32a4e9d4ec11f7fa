import { type Rng, tf } from "@rl/core";

/** A trainable variable of normal(0, std) entries drawn from a seeded generator (no leaked initial tensor). @internal */
export function normalVariable(rng: Rng, shape: number[], std: number): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const init = tf.tensor(Float32Array.from({ length: size }, () => rng.normal(0, std)), shape, "float32");
  const v = tf.variable(init);
  init.dispose();
  return v;
}

/** A trainable variable of zeros. @internal */
export function zerosVariable(shape: number[]): tf.Variable {
  const init = tf.zeros(shape);
  const v = tf.variable(init);
  init.dispose();
  return v;
}
