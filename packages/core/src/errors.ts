import { tryCatch, type Either } from "fp-ts/lib/Either.js";
import type { z } from "zod";

/** Stable error codes. A code never changes meaning once published. */
export type RLErrorCode =
  | "INVALID_CONFIG"
  | "INVALID_INPUT"
  | "SHAPE_MISMATCH"
  | "NON_FINITE"
  | "BACKEND_UNAVAILABLE"
  | "UNKNOWN_BACKEND"
  | "REGISTRY_DUPLICATE"
  | "REGISTRY_NOT_FOUND"
  | "REGISTRY_SPEC_VERSION"
  | "PLUGIN_OUTPUT"
  | "IO"
  | "NETWORK"
  | "TIMEOUT"
  | "CANCELLED"
  | "PARSE"
  | "NOT_IMPLEMENTED"
  | "INTERNAL";

const MARK = Symbol.for("@rl/error");

/** One zod issue, as carried by an {@link RLError}. */
export type RLIssue = z.core.$ZodIssue;

/**
 * The one error class of every `@rl/*` package.
 *
 * - `code` is stable and machine-readable (see {@link RLErrorCode}).
 * - `message` names the function and the offending field:
 *   `"grpoAdvantages: groups has 7 entries, tokenRewards has 8 rows"`.
 * - `issues` carries zod's issues when the error comes from schema validation.
 *
 * `RLError.isInstance` recognises errors thrown by another copy of `@rl/core`
 * (a `Symbol.for` marker rather than `instanceof`), as the Vercel AI SDK does.
 *
 * @example
 * try { parseConfig(grpoConfig, { epsilon: -1 }, "grpoAdvantages"); }
 * catch (e) { if (RLError.isInstance(e)) console.log(e.code); } // "INVALID_CONFIG"
 */
export class RLError extends Error {
  readonly [MARK] = true;
  readonly code: RLErrorCode;
  readonly issues: readonly RLIssue[];
  override readonly cause?: unknown;

  constructor(code: RLErrorCode, message: string, options: { issues?: readonly RLIssue[]; cause?: unknown } = {}) {
    super(message);
    this.name = "RLError";
    this.code = code;
    this.issues = options.issues ?? [];
    if (options.cause !== undefined) this.cause = options.cause;
  }

  /** True for an RLError from any copy of `@rl/core`. */
  static isInstance(error: unknown): error is RLError {
    return typeof error === "object" && error !== null && MARK in error;
  }
}

/**
 * Turns anything thrown into an {@link RLError} (an RLError passes through unchanged;
 * anything else becomes code `INTERNAL` with the original as `cause`).
 */
export function toRLError(error: unknown): RLError {
  if (RLError.isInstance(error)) return error;
  let message: string;
  try {
    message = error instanceof Error ? error.message : String(error);
  } catch {
    message = `a thrown ${typeof error} that cannot be printed`; // e.g. a disposed tensor
  }
  return new RLError("INTERNAL", message, { cause: error });
}

/**
 * Runs `f` and returns its value as `Right`, or the thrown error as `Left<RLError>`.
 * The building block of every `safe*` twin.
 * @example
 * const r = tryRL(() => grpoAdvantages(batch)); // Either<RLError, Advantages>
 */
export function tryRL<T>(f: () => T): Either<RLError, T> {
  return tryCatch(f, toRLError);
}

/** Formats zod issues as `path: message; path: message` for error messages. */
export function formatIssues(issues: readonly RLIssue[]): string {
  if (!Array.isArray(issues)) throw new RLError("INVALID_INPUT", `formatIssues: issues must be an array, got ${typeof issues}`);
  return issues
    .map((i: Partial<RLIssue> | null | undefined, k) => {
      if (typeof i !== "object" || i === null || !Array.isArray(i.path)) throw new RLError("INVALID_INPUT", `formatIssues: issues[${k}] must be { path: [], message }`);
      return `${i.path.length > 0 ? i.path.map((p) => (typeof p === "object" ? typeof p : String(p))).join(".") : "(root)"}: ${typeof i.message === "string" ? i.message : typeof i.message}`;
    })
    .join("; ");
}
