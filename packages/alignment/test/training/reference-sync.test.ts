import { tf } from "@rl/core";
import { assertClose, expectRLError } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceSync } from "../../src/index.js";

describe("referenceSync (TR-DPO, TRL SyncRefModelCallback)", () => {
  it("mixes θ_ref ← α·θ + (1 − α)·θ_ref on every τ-th step, in place", () => {
    const theta = [tf.variable(tf.tensor1d([1, 2])), tf.variable(tf.tensor2d([[4]]))];
    const ref = [tf.variable(tf.tensor1d([0, 0]), false), tf.variable(tf.tensor2d([[2]]), false)];
    const sync = referenceSync({ syncSteps: 2 }); // α = 0.6 (TRL)
    let state = sync.init();
    const synced: number[] = [];
    for (let step = 1; step <= 4; step++) {
      const r = sync.update(theta, state, ref);
      state = r.state;
      synced.push(r.info.synced);
    }
    expect(synced).toEqual([0, 1, 0, 1]);
    expect(state.count).toBe(4);
    // two mixes: ref = 0.6θ + 0.4(0.6θ + 0.4·ref₀) = 0.84θ + 0.16·ref₀
    assertClose(Array.from(ref[0]!.dataSync()), [0.84, 1.68], 1e-6, 1e-6);
    assertClose(Array.from(ref[1]!.dataSync()), [0.84 * 4 + 0.16 * 2], 1e-6, 1e-6);
    tf.dispose([...theta, ...ref]);
  });

  it("α = 1 is the hard update (a copy); TRL defaults sync at step 512", () => {
    const theta = [tf.variable(tf.tensor1d([3, -1]))];
    const ref = [tf.variable(tf.tensor1d([0, 0]), false)];
    const hard = referenceSync({ mixupAlpha: 1, syncSteps: 1 });
    hard.update(theta, hard.init(), ref);
    expect(Array.from(ref[0]!.dataSync())).toEqual([3, -1]);
    const trl = referenceSync();
    expect(trl.update(theta, { count: 510 }, ref).info.synced).toBe(0);
    expect(trl.update(theta, { count: 511 }, ref).info.synced).toBe(1);
    tf.dispose([...theta, ...ref]);
  });

  it("property: after n syncs, ref = θ + (1 − α)^n·(ref₀ − θ) for a fixed θ; no tensor leaks", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 1, noNaN: true }), fc.integer({ min: 1, max: 6 }), fc.double({ min: -5, max: 5, noNaN: true }), (alpha, n, r0) => {
        const theta = [tf.variable(tf.scalar(1.5))];
        const ref = [tf.variable(tf.scalar(r0), false)];
        const sync = referenceSync({ mixupAlpha: alpha, syncSteps: 1 });
        const before = tf.memory().numTensors;
        let state = sync.init();
        for (let k = 0; k < n; k++) state = sync.update(theta, state, ref).state;
        expect(tf.memory().numTensors).toBe(before);
        assertClose(ref[0]!.dataSync()[0], 1.5 + (1 - alpha) ** n * (r0 - 1.5), 1e-4, 1e-4);
        tf.dispose([...theta, ...ref]);
      }),
      { numRuns: 30 },
    );
  });

  it("bad input", () => {
    const theta = [tf.variable(tf.tensor1d([1, 2]))];
    const sync = referenceSync();
    expectRLError(() => referenceSync({ mixupAlpha: 0 }), /referenceSync.*mixupAlpha/);
    expectRLError(() => referenceSync({ syncSteps: 0.5 }), /referenceSync.*syncSteps/);
    expectRLError(() => sync.update(theta, sync.init(), []), /1 parameters, 0 reference variables/);
    expectRLError(() => sync.update(theta, sync.init(), theta), /the policy's own parameter/);
    expectRLError(() => sync.update(theta, sync.init(), [tf.variable(tf.tensor1d([1]))]), /reference\[0\] has shape \[1\], params\[0\] \[2\]/);
    expectRLError(() => sync.update(theta, { count: -1 }, [tf.variable(tf.tensor1d([1, 1]))]), /state.count/);
  });
});
