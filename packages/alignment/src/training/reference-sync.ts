import { RLError, parseConfig, tf } from "@rl/core";
import { z } from "zod";

/** Config of {@link referenceSync} (TRL `DPOConfig` TR-DPO defaults). */
export const referenceSyncConfig = z.object({
  /** α: the policy's share in the mix `θ_ref ← α·θ + (1 − α)·θ_ref` (TRL `ref_model_mixup_alpha`, 0.6). 1 = hard copy. */
  mixupAlpha: z.number().gt(0).max(1).default(0.6),
  /** τ: mix every τ-th step (TRL `ref_model_sync_steps`, 512). */
  syncSteps: z.number().int().positive().default(512),
});
/** The input form of `referenceSyncConfig` (every field optional; defaults filled by parsing). */
export type ReferenceSyncConfig = z.input<typeof referenceSyncConfig>;

/** State of {@link referenceSync}: the optimizer steps seen so far. */
export interface ReferenceSyncState {
  readonly count: number;
}

/** What {@link ReferenceSync.update} returns. */
export interface ReferenceSyncResult {
  readonly state: ReferenceSyncState;
  /** `synced`: 1 when this step mixed the reference, else 0. */
  readonly info: Readonly<{ synced: number }>;
}

/** The TR-DPO reference update as an `{ init, update }` transform over variables. */
export interface ReferenceSync {
  /** `{ count: 0 }`. */
  init(): ReferenceSyncState;
  /**
   * Call once after each optimizer step: counts it and, on every τ-th, assigns
   * `θ_ref ← α·θ + (1 − α)·θ_ref` to `reference` in place (one variable per policy parameter).
   */
  update(params: readonly tf.Tensor[], state: ReferenceSyncState, reference: readonly tf.Variable[]): ReferenceSyncResult;
}

/**
 * TR-DPO's reference update (Gorbatovski et al. 2024, "Learn Your Reference Model for Real Good
 * Alignment", arXiv:2404.09656; TRL `SyncRefModelCallback`, `trl/trainer/callbacks.py` at
 * f2cd57710ae345ea6428ae95363267fcf38a3dc8, enabled by `sync_ref_model`): after optimizer step n
 * (1-based), when `n mod τ = 0`,
 *
 *   θ_ref ← α·θ + (1 − α)·θ_ref        (per parameter, in place)
 *
 * α < 1 is the paper's soft update, α = 1 its hard update (a copy every τ steps); τ = 1 mixes every
 * step (optax's `incremental_update`; α = 1 with τ > 1 is `periodic_update`). The reference
 * variables must not be the policy's (the loss treats the reference as a constant; with
 * precomputed reference log-probs, recompute them after a sync). The state is a plain count,
 * so it saves with the rest of a checkpoint. Defaults (TRL): α 0.6, τ 512.
 * Errors: a parameter/reference count or shape mismatch → `SHAPE_MISMATCH`; a reference that is
 * not a `tf.Variable` or is the parameter itself → `INVALID_INPUT`.
 *
 * @example
 * const theta = [tf.variable(tf.tensor1d([1, 2]))];
 * const ref = [tf.variable(tf.tensor1d([0, 0]), false)];
 * const sync = referenceSync({ mixupAlpha: 0.6, syncSteps: 2 });
 * let state = sync.init();
 * state = sync.update(theta, state, ref).state;  // step 1: no sync
 * const r = sync.update(theta, state, ref);      // step 2: ref = 0.6·θ + 0.4·ref
 * r.info.synced;                                   // 1
 * ref[0].dataSync();                               // [0.6, 1.2]
 * @remarks arXiv:2404.09656; TRL `SyncRefModelCallback` @ f2cd5771
 */
export function referenceSync(config: ReferenceSyncConfig = {}): ReferenceSync {
  const fn = "referenceSync";
  const { mixupAlpha, syncSteps } = parseConfig(referenceSyncConfig, config, fn);
  return {
    init: () => ({ count: 0 }),
    update(params, state, reference) {
      const c = (state as ReferenceSyncState | null)?.count;
      if (typeof c !== "number" || !Number.isInteger(c) || c < 0) {
        throw new RLError("INVALID_INPUT", `${fn}: state.count must be an integer ≥ 0, got ${String(c)} (use init())`);
      }
      if (!Array.isArray(params) || !Array.isArray(reference)) throw new RLError("INVALID_INPUT", `${fn}: params and reference must be arrays of tensors`);
      if (params.length !== reference.length) throw new RLError("SHAPE_MISMATCH", `${fn}: ${params.length} parameters, ${reference.length} reference variables`);
      reference.forEach((v, i) => {
        const p = params[i];
        if (!(p instanceof tf.Tensor) || p.isDisposed) throw new RLError("INVALID_INPUT", `${fn}: params[${i}] is not a live tensor`);
        if (!(v instanceof tf.Variable)) throw new RLError("INVALID_INPUT", `${fn}: reference[${i}] is not a tf.Variable`);
        if ((v as tf.Tensor) === p) throw new RLError("INVALID_INPUT", `${fn}: reference[${i}] is the policy's own parameter; the reference needs its own copy`);
        if (v.rank !== p.rank || v.shape.some((s: number, k: number) => s !== p.shape[k])) {
          throw new RLError("SHAPE_MISMATCH", `${fn}: reference[${i}] has shape [${v.shape.join(",")}], params[${i}] [${p.shape.join(",")}]`);
        }
      });
      const count = c + 1;
      const synced = count % syncSteps === 0;
      if (synced) {
        reference.forEach((v, i) => {
          const p = params[i] as tf.Tensor;
          tf.tidy(() => v.assign(mixupAlpha === 1 ? tf.clone(p) : tf.add(tf.mul(p, mixupAlpha), tf.mul(v, 1 - mixupAlpha))));
        });
      }
      return { state: { count }, info: { synced: synced ? 1 : 0 } };
    },
  };
}
