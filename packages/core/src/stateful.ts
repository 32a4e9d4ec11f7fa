/**
 * Anything stateful is an explicit `{ init, update }` pair over a plain state value (optax's
 * `GradientTransformation`): KL controllers, running reward statistics, EMA baselines.
 *
 * @example
 * const ctl = adaptiveKlController();      // from @rl/credit
 * let state = ctl.init();
 * ({ state } = ctl.update({ kl: 0.15, steps: 256 }, state));
 */
export interface Stateful<S, In, Out> {
  /** The initial state. */
  init(): S;
  /** One step: consumes an input and the state, returns the output and the next state. */
  update(input: In, state: S): { output: Out; state: S };
}
