/**
 * Registers every tfjs gradient (tfjs-core alone registers none: `tf.grad` would fail with
 * "gradient function not found for Sum") and the chained tensor methods (`x.reshape(…)`,
 * `x.sum()`), as the `@tensorflow/tfjs` umbrella does, without the umbrella's 200 MB. Bundlers and vitest resolve the deep import below as it is; Node ESM
 * cannot (tfjs-core's ESM files use extension-less imports), so the build replaces this module's
 * output with a bundle of the same import that keeps only the bare `@tensorflow/tfjs-core`
 * specifier external (`scripts/bundle-gradients.mjs`; docs/core-decisions.md, "The light install").
 */
// eslint-disable-next-line no-restricted-imports -- deep imports bundled at build time (see above)
import "@tensorflow/tfjs-core/dist/register_all_gradients";
// eslint-disable-next-line no-restricted-imports -- deep imports bundled at build time (see above)
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
