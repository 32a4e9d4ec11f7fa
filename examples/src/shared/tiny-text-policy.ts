import { linear, tf, type Rng } from "@rl/core";

/** A compact vocabulary: the ids a dataset uses, renumbered `0..K−1` (so a tiny model's output layer is K wide, not 151k). */
export interface CompactVocabulary {
  readonly size: number;
  /** Tokenizer id → compact id. */
  map(ids: readonly number[]): number[];
  /** The tokenizer ids, in compact order. */
  readonly ids: readonly number[];
}

/** Builds a {@link CompactVocabulary} from every id list given (plus `extra`, e.g. the pad id). */
export function compactVocabulary(lists: Iterable<readonly number[]>, extra: readonly number[] = []): CompactVocabulary {
  const used = new Set<number>(extra);
  for (const l of lists) for (const id of l) used.add(id);
  const ids = [...used].sort((a, b) => a - b);
  const index = new Map(ids.map((id, k) => [id, k]));
  return {
    size: ids.length,
    ids,
    map: (l) =>
      l.map((id) => {
        const k = index.get(id);
        if (k === undefined) throw new Error(`compactVocabulary: id ${id} was not in the data`);
        return k;
      }),
  };
}

/** A tiny causal policy over a compact vocabulary: logits[t] = E[x_t] W + b (a low-rank bigram model). */
export function tinyPolicy(vocab: number, rng: Rng, trainable = true): { variables: tf.Variable[]; model: (ids: tf.Tensor2D) => tf.Tensor3D; dispose: () => void } {
  const d = 16;
  const variable = (init: tf.Tensor) => {
    const v = tf.variable(init, trainable); // copies its initial value: free the initialiser
    init.dispose();
    return v;
  };
  const E = variable(tf.randomNormal([vocab, d], 0, 0.1, "float32", rng.tfSeed()));
  const W = variable(tf.randomNormal([d, vocab], 0, 0.1, "float32", rng.tfSeed()));
  const b = variable(tf.zeros([vocab]));
  const model = (ids: tf.Tensor2D): tf.Tensor3D => tf.tidy(() => linear(tf.gather(E, tf.cast(ids, "int32")), W as tf.Tensor2D, b as tf.Tensor1D) as tf.Tensor3D);
  return { variables: [E, W, b], model, dispose: () => tf.dispose([E, W, b]) };
}
