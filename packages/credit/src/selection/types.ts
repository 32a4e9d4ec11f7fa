import { Matrix, RLError, groupMembers, indexGroups, type MatrixLike } from "@rl/core/arrays";

/** A row left out of the batch by a selection function, and why. */
export interface DroppedRow<R extends string = string> {
  readonly row: number;
  readonly reason: R;
}

/**
 * What every selection function returns: `kept`, the row indices that stay in the training
 * batch (in the order the batch should use; a resampler may repeat an index), and `dropped`,
 * every row that is not kept, in ascending row order, with the reason. Indices refer to the
 * input rows; apply them to any per-row array (`kept.map((i) => rows[i])`).
 */
export interface SelectionResult<R extends string = string> {
  readonly kept: readonly number[];
  readonly dropped: readonly DroppedRow<R>[];
}

/** A finite 1-D vector of per-row (or per-prompt) numbers, as a Float64Array. */
export function finiteVector(input: unknown, name: string, fn: string): Float64Array {
  if (input === undefined || input === null) throw new RLError("INVALID_INPUT", `${fn}: ${name} is required`);
  if (Array.isArray(input) && input.length === 0) throw new RLError("INVALID_INPUT", `${fn}: ${name} is empty; expected at least one row`);
  const m = Matrix.from(input as MatrixLike, { name, fn });
  if (m.shape.length !== 1) throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} must be 1-D (one number per row), got shape [${m.shape.join(",")}]`);
  if (m.size === 0) throw new RLError("INVALID_INPUT", `${fn}: ${name} is empty; expected at least one row`);
  return Float64Array.from(m.data);
}

/**
 * The group of every row and the rows of each group, in order of first appearance (core's
 * `indexGroups`); `groups` undefined puts every row in one group.
 */
export function selectionGroups(groups: unknown, rows: number, fn: string, rowsName: string): { of: Int32Array; members: number[][] } {
  if (groups !== undefined && !Array.isArray(groups)) throw new RLError("INVALID_INPUT", `${fn}: groups must be an array (one prompt id per row, number or string)`);
  const index = indexGroups(groups, rows, { fn, rowsName, optional: true });
  return { of: index.of, members: groupMembers(index) };
}

/** `dropped` from a per-row reason array (undefined = kept or not dropped), in row order. */
export function droppedRows<R extends string>(reasons: readonly (R | undefined)[]): DroppedRow<R>[] {
  const out: DroppedRow<R>[] = [];
  reasons.forEach((reason, row) => {
    if (reason !== undefined) out.push({ row, reason });
  });
  return out;
}
