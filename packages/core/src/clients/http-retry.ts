import { RLError } from "../errors.js";

/** Retry knobs of {@link postJsonWithRetry}. */
export interface RetryOptions {
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly timeoutMs: number;
  /** Cancels everything (the caller's signal, possibly linked to a run-wide controller). */
  readonly signal: AbortSignal;
  /** Text never to show in an error (the API key); replaced by `[redacted]`. */
  readonly secret: string | undefined;
  /** Prefix of every error message (`collectRollouts: prompt 3 (q3)`). */
  readonly where: string;
  readonly random?: () => number;
}

/** Replaces every occurrence of `secret` in `text` by `[redacted]`. */
export function redact(text: string, secret: string | undefined): string {
  return secret === undefined || secret.length === 0 ? text : text.split(secret).join("[redacted]");
}

/**
 * Backoff before retry number `attempt` (0-based): `min(max, base · 2^attempt)` scaled by a
 * uniform jitter in [0.5, 1]; a server's `Retry-After` (seconds or HTTP date) wins, capped at
 * `max`.
 */
export function backoffDelay(attempt: number, options: Pick<RetryOptions, "backoffMs" | "maxBackoffMs" | "random">, retryAfter: string | null): number {
  const fromHeader = parseRetryAfter(retryAfter);
  if (fromHeader !== null) return Math.min(options.maxBackoffMs, fromHeader);
  const exp = Math.min(options.maxBackoffMs, options.backoffMs * 2 ** attempt);
  return exp * (0.5 + 0.5 * (options.random ?? Math.random)());
}

/** `Retry-After` in ms (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | null): number | null {
  if (value === null || value.trim() === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function cancelled(where: string): RLError {
  return new RLError("CANCELLED", `${where}: cancelled`);
}

function sleep(ms: number, signal: AbortSignal, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(cancelled(where));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled(where));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * POSTs a JSON body and returns the parsed JSON response, retrying 429, 5xx, network errors and
 * timeouts with exponential backoff and jitter (honouring `Retry-After`). Other HTTP errors and a
 * body that is not JSON fail at once. Every error is an {@link RLError} whose message never holds
 * `options.secret` (codes: `CANCELLED`, `TIMEOUT`, `NETWORK`, `PARSE`).
 */
export async function postJsonWithRetry(url: string, headers: Record<string, string>, body: unknown, options: RetryOptions): Promise<unknown> {
  const { where, secret, signal } = options;
  const payload = JSON.stringify(body);
  let last: RLError = new RLError("NETWORK", `${where}: no attempt made`);
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (signal.aborted) throw cancelled(where);
    const timeout = AbortSignal.timeout(options.timeoutMs);
    let status = 0;
    let text = "";
    let retryAfter: string | null = null;
    try {
      const res = await fetch(url, { method: "POST", headers, body: payload, signal: AbortSignal.any([signal, timeout]) });
      status = res.status;
      retryAfter = res.headers.get("retry-after");
      text = await res.text();
    } catch (e) {
      if (signal.aborted) throw cancelled(where);
      if (timeout.aborted) {
        last = new RLError("TIMEOUT", `${where}: no complete response within ${options.timeoutMs} ms (attempt ${attempt + 1} of ${options.retries + 1})`);
      } else {
        const cause = (e as { cause?: { code?: unknown } }).cause?.code;
        const what = redact(e instanceof Error ? e.message : String(e), secret);
        last = new RLError("NETWORK", `${where}: network error: ${what}${typeof cause === "string" ? ` (${cause})` : ""} (attempt ${attempt + 1} of ${options.retries + 1})`);
      }
      if (attempt < options.retries) await sleep(backoffDelay(attempt, options, null), signal, where);
      continue;
    }
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new RLError("PARSE", `${where}: response body is not JSON: ${snippet(redact(text, secret))}`);
      }
    }
    const error = new RLError("NETWORK", `${where}: HTTP ${status}: ${snippet(redact(text, secret))} (attempt ${attempt + 1} of ${options.retries + 1})`);
    if (status !== 429 && status < 500) throw error;
    last = error;
    if (attempt < options.retries) await sleep(backoffDelay(attempt, options, retryAfter), signal, where);
  }
  throw last;
}

function snippet(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > 200 ? `${one.slice(0, 200)}…` : one === "" ? "(empty body)" : one;
}
