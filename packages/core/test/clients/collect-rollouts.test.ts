import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RLError } from "../../src/index.js";
import { collectRollouts, type CollectRolloutsConfig } from "../../src/clients/index.js";
import { backoffDelay, parseRetryAfter } from "../../src/clients/http-retry.js";

interface Seen {
  readonly body: Record<string, unknown>;
  readonly authorization: string | undefined;
  readonly url: string | undefined;
}
type Handler = (seen: Seen, res: ServerResponse, req: IncomingMessage) => void;

let server: Server | undefined;
const KEY_ENV = "RL_TEST_CLIENT_KEY";
const KEY = "sk-test-7f3a9c0e5b1d";

afterEach(async () => {
  delete process.env[KEY_ENV];
  const s = server;
  server = undefined;
  if (s !== undefined) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

/** Starts an OpenAI-compatible server on 127.0.0.1 (ephemeral port); returns its /v1 base URL and the requests seen. */
async function serve(handler: Handler): Promise<{ baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const s: Seen = { body: JSON.parse(raw) as Record<string, unknown>, authorization: req.headers.authorization, url: req.url };
      seen.push(s);
      handler(s, res, req);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, seen };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** A vLLM-style chat completion (`--return-tokens-as-token-ids`) with `n` choices; choice c answers token 10+c then EOS. */
function completion(n: number): unknown {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    model: "m",
    choices: Array.from({ length: n }, (_, c) => ({
      index: c,
      message: { role: "assistant", content: c === 0 ? "4" : "5" },
      logprobs: {
        content: [
          { token: `token_id:${10 + c}`, logprob: -0.5 - c, bytes: [52], top_logprobs: [] },
          { token: "token_id:2", logprob: -0.1, bytes: [], top_logprobs: [] },
        ],
      },
      finish_reason: "stop",
    })),
  };
}

function promptOf(s: Seen): string {
  return ((s.body.messages as { content: string }[])[0] as { content: string }).content;
}

async function rejection(p: Promise<unknown>): Promise<RLError> {
  try {
    await p;
  } catch (e) {
    if (RLError.isInstance(e)) return e;
    throw e;
  }
  throw new Error("did not reject");
}

const fast = { backoffMs: 1, maxBackoffMs: 5, model: "m", apiKeyEnv: KEY_ENV } satisfies Partial<CollectRolloutsConfig>;

describe("collectRollouts against a local OpenAI-compatible server", () => {
  it("success: one request per prompt with n and logprobs, groups with ids, log-probs and rewards", async () => {
    process.env[KEY_ENV] = KEY;
    const { baseUrl, seen } = await serve((s, res) => json(res, 200, completion(s.body.n as number)));
    const out = await collectRollouts(["2+2?", { promptId: "q2", prompt: "3+1?" }], {
      ...fast,
      baseUrl,
      model: "m",
      n: 2,
      temperature: 0.7,
      maxTokens: 8,
      reward: ({ text }) => (text === "4" ? 1 : 0),
    });
    expect(seen).toHaveLength(2);
    expect(seen[0]?.url).toBe("/v1/chat/completions");
    expect(seen[0]?.authorization).toBe(`Bearer ${KEY}`);
    expect(seen[0]?.body).toMatchObject({ model: "m", n: 2, temperature: 0.7, max_tokens: 8, logprobs: true });
    expect(out.failures).toEqual([]);
    expect(out.semantics).toEqual({ kind: "raw", temperature: 0.7, topP: 1, topK: 0 });
    expect(out.groups.map((g) => g.promptId)).toEqual(["0", "q2"]);
    expect(out.groups[0]?.prompt).toBe("2+2?");
    expect(out.groups[1]?.responses.map((r) => r.tokenIds)).toEqual([[10, 2], [11, 2]]);
    expect(out.groups[1]?.responses.map((r) => r.logProbs)).toEqual([[-0.5, -0.1], [-1.5, -0.1]]);
    expect(out.groups[0]?.responses.map((r) => r.reward)).toEqual([1, 0]);
  });

  it("the API-key rule (resolveApiKey): empty key or a required key that is unset → INVALID_CONFIG before any request; null → no header", async () => {
    const { baseUrl, seen } = await serve((_s, res) => json(res, 200, completion(1)));
    process.env[KEY_ENV] = "";
    const empty = await collectRollouts(["a"], { ...fast, baseUrl }).catch((e: unknown) => e);
    expect(RLError.isInstance(empty) && empty.code).toBe("INVALID_CONFIG");
    expect((empty as RLError).message.startsWith(`collectRollouts: the environment variable ${KEY_ENV} (apiKeyEnv) is set to an empty string`)).toBe(true);
    delete process.env[KEY_ENV];
    const required = await collectRollouts(["a"], { ...fast, baseUrl, apiKeyRequired: true }).catch((e: unknown) => e);
    expect(RLError.isInstance(required) && required.code).toBe("INVALID_CONFIG");
    expect((required as RLError).message).toBe(`collectRollouts: apiKeyRequired is true but the environment variable ${KEY_ENV} is not set`);
    expect(seen).toHaveLength(0);
    process.env[KEY_ENV] = KEY;
    await collectRollouts(["a"], { ...fast, baseUrl, apiKeyEnv: null, apiKeyRequired: true });
    expect(seen[0]?.authorization).toBeUndefined();
    await collectRollouts(["a"], { ...fast, baseUrl, apiKeyRequired: true });
    expect(seen[1]?.authorization).toBe(`Bearer ${KEY}`);
  });

  it("sends no Authorization header when the key variable is unset; rewards default to null", async () => {
    const { baseUrl, seen } = await serve((_s, res) => json(res, 200, completion(1)));
    const out = await collectRollouts(["a"], { ...fast, baseUrl });
    expect(seen[0]?.authorization).toBeUndefined();
    const withTopK = await collectRollouts(["a"], { ...fast, baseUrl, logProbsMode: "processed", extraBody: { top_k: 20 } });
    expect(withTopK.semantics).toEqual({ kind: "processed", temperature: 1, topP: 1, topK: 20 });
    expect(seen[1]?.body.top_k).toBe(20);
    expect(out.groups[0]?.responses[0]?.reward).toBeNull();
  });

  it("partial failure: a prompt that 500s permanently is skipped and reported, or thrown", async () => {
    const { baseUrl, seen } = await serve((s, res) => (promptOf(s) === "bad" ? json(res, 500, { error: "boom" }) : json(res, 200, completion(1))));
    const out = await collectRollouts(["ok1", "bad", "ok2"], { ...fast, baseUrl, maxRetries: 2, onError: "skip", concurrency: 1 });
    expect(out.groups.map((g) => g.promptId)).toEqual(["0", "2"]);
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]?.index).toBe(1);
    expect(out.failures[0]?.error.code).toBe("NETWORK");
    expect(out.failures[0]?.error.message).toBe('collectRollouts: prompt 1 (1): HTTP 500: {"error":"boom"} (attempt 3 of 3)');
    expect(seen.filter((s) => promptOf(s) === "bad")).toHaveLength(3);
    const e = await rejection(collectRollouts(["ok1", "bad"], { ...fast, baseUrl, maxRetries: 0 }));
    expect(e.message).toContain("prompt 1 (1): HTTP 500");
    // `retries`, the deprecated name, still works and wins over maxRetries
    const old = await rejection(collectRollouts(["bad"], { ...fast, baseUrl, maxRetries: 5, retries: 1 }));
    expect(old.message).toContain("(attempt 2 of 2)");
  });

  it("does not retry a 400", async () => {
    const { baseUrl, seen } = await serve((_s, res) => json(res, 400, { error: "bad request" }));
    const e = await rejection(collectRollouts(["a"], { ...fast, baseUrl, maxRetries: 3 }));
    expect(e.message).toContain("HTTP 400");
    expect(seen).toHaveLength(1);
  });

  it("429 then success, honouring Retry-After", async () => {
    let calls = 0;
    const { baseUrl } = await serve((_s, res) => (++calls === 1 ? json(res, 429, { error: "slow down" }, { "retry-after": "0.3" }) : json(res, 200, completion(1))));
    const t0 = Date.now();
    const out = await collectRollouts(["a"], { ...fast, baseUrl, maxBackoffMs: 5_000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(calls).toBe(2);
    expect(out.groups).toHaveLength(1);
  });

  it("timeout: a server that never answers gives RLError TIMEOUT", async () => {
    const { baseUrl, seen } = await serve(() => undefined);
    const e = await rejection(collectRollouts(["a"], { ...fast, baseUrl, timeoutMs: 100, maxRetries: 1 }));
    expect(e.code).toBe("TIMEOUT");
    expect(e.message).toBe("collectRollouts: prompt 0 (0): no complete response within 100 ms (attempt 2 of 2)");
    expect(seen).toHaveLength(2);
  });

  it("cancellation mid-flight rejects with CANCELLED promptly, even with onError skip", async () => {
    const { baseUrl, seen } = await serve(() => undefined);
    const controller = new AbortController();
    const t0 = Date.now();
    // abort once both requests are in flight (a fixed delay races the requests on a loaded machine)
    const poll = setInterval(() => {
      if (seen.length >= 2) {
        clearInterval(poll);
        controller.abort();
      }
    }, 10);
    const e = await rejection(collectRollouts(["a", "b"], { ...fast, baseUrl, signal: controller.signal, onError: "skip", timeoutMs: 30_000 }));
    clearInterval(poll);
    expect(e.code).toBe("CANCELLED");
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(seen).toHaveLength(2);
    const pre = new AbortController();
    pre.abort();
    expect((await rejection(collectRollouts(["a"], { ...fast, baseUrl, signal: pre.signal }))).code).toBe("CANCELLED");
  });

  it("malformed body: not JSON, and JSON without a field, each a PARSE error naming it", async () => {
    const { baseUrl } = await serve((s, res) => {
      if (promptOf(s) === "html") {
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<html>gateway</html>");
        return;
      }
      const body = completion(1) as { choices: { logprobs: { content: Record<string, unknown>[] } }[] };
      delete body.choices[0]?.logprobs.content[1]?.logprob;
      json(res, 200, body);
    });
    const out = await collectRollouts(["html", "field"], { ...fast, baseUrl, onError: "skip" });
    expect(out.failures.map((f) => f.error.code)).toEqual(["PARSE", "PARSE"]);
    expect(out.failures[0]?.error.message).toBe("collectRollouts: prompt 0 (0): response body is not JSON: <html>gateway</html>");
    expect(out.failures[1]?.error.message).toMatch(
      /^collectRollouts: prompt 1 \(1\): parseChatCompletionLogProbs: invalid response: choices\.0\.logprobs\.content\.1\.logprob: /,
    );
  });

  it("never puts the API key in an error, even when the server echoes it", async () => {
    process.env[KEY_ENV] = KEY;
    const { baseUrl } = await serve((s, res) => {
      const p = promptOf(s);
      if (p === "401") json(res, 401, { error: `invalid key ${s.authorization ?? ""}` });
      else if (p === "500") json(res, 503, `upstream said ${s.authorization ?? ""}`);
      else json(res, 200, `{"echo": "${s.authorization ?? ""}"`);
    });
    const out = await collectRollouts(["401", "500", "bad-json"], { ...fast, baseUrl, onError: "skip", maxRetries: 1 });
    expect(out.failures).toHaveLength(3);
    for (const f of out.failures) {
      expect(f.error.message).not.toContain(KEY);
      expect(f.error.message).toContain("[redacted]");
      expect(JSON.stringify(f.error)).not.toContain(KEY);
      expect(String(f.error.stack)).not.toContain(KEY);
    }
  });

  it("reports a throwing or non-finite reward as a per-prompt failure", async () => {
    const { baseUrl } = await serve((_s, res) => json(res, 200, completion(1)));
    const out = await collectRollouts(["a", "b"], {
      ...fast,
      baseUrl,
      onError: "skip",
      reward: ({ promptId }) => {
        if (promptId === "0") throw new Error("judge down");
        return Number.NaN;
      },
    });
    expect(out.failures.map((f) => f.error.message)).toEqual([
      "collectRollouts: prompt 0 (0): judge down",
      "collectRollouts: prompt 1 (1): reward of sample 0 is NaN; a reward is a finite number or null",
    ]);
  });

  it("limits concurrency", async () => {
    let inFlight = 0;
    let peak = 0;
    const { baseUrl } = await serve((_s, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        json(res, 200, completion(1));
      }, 30);
    });
    const out = await collectRollouts(["a", "b", "c", "d", "e"], { ...fast, baseUrl, concurrency: 2 });
    expect(out.groups).toHaveLength(5);
    expect(peak).toBe(2);
  });

  it("network error: nothing listening gives RLError NETWORK after the retries; no prompts gives no groups", async () => {
    const { baseUrl } = await serve(() => undefined);
    const s = server;
    server = undefined;
    await new Promise<void>((resolve) => s?.close(() => resolve()));
    const e = await rejection(collectRollouts(["a"], { ...fast, baseUrl, maxRetries: 1 }));
    expect(e.code).toBe("NETWORK");
    expect(e.message).toMatch(/^collectRollouts: prompt 0 \(0\): network error: .*\(attempt 2 of 2\)$/);
    expect(await collectRollouts([], { ...fast, baseUrl })).toMatchObject({ groups: [], failures: [] });
  });

  it("validates config and prompts", async () => {
    expect((await rejection(collectRollouts(["a"], { baseUrl: "not a url", model: "m" }))).code).toBe("INVALID_CONFIG");
    expect((await rejection(collectRollouts(["a"], { baseUrl: "http://127.0.0.1:1/v1", model: "m", concurency: 2 } as never))).code).toBe("INVALID_CONFIG");
    const e = await rejection(collectRollouts([{ promptId: "x" }], { baseUrl: "http://127.0.0.1:1/v1", model: "m" }));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toContain("give exactly one of prompt or messages");
  });
});

describe("backoff", () => {
  it("grows exponentially with jitter in [0.5, 1], capped; Retry-After wins", () => {
    const o = { backoffMs: 100, maxBackoffMs: 1000 };
    expect(backoffDelay(0, { ...o, random: () => 0 }, null)).toBe(50);
    expect(backoffDelay(2, { ...o, random: () => 1 }, null)).toBe(400);
    expect(backoffDelay(10, { ...o, random: () => 1 }, null)).toBe(1000);
    expect(backoffDelay(0, o, "2")).toBe(1000);
    expect(backoffDelay(0, o, "0.25")).toBe(250);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
  });
});
