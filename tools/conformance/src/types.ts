/** One conformance op: reference `args` in, a record of results out (plain numbers, arrays, strings). */
export type OpHandler = (args: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Ops by name (`advantage.grpo`, `loss.dpo`, …). */
export type OpTable = Readonly<Record<string, OpHandler>>;
