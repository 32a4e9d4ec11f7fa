import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createRewardServer, serverMetrics, type RewardItem } from "../src/index.js";
import composition from "./fixtures/rewards.js";
import { mathItems } from "./helpers.js";

const post = (app: ReturnType<typeof createRewardServer>, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: "POST", url, payload: typeof payload === "string" ? payload : JSON.stringify(payload), headers: { "content-type": "application/json", ...headers } });

const item = (prompt: string | null, response: string, label: string | null): RewardItem => ({
  query: (prompt ?? "") + response,
  prompt,
  response,
  label,
  dataSource: null,
  extraInfo: null,
});

describe("POST /get_reward (OpenRLHF remote RM protocol)", () => {
  const app = createRewardServer(composition);
  afterAll(() => app.close());

  it("answers rewards (after the transform), raw scores and extra_logs, equal to the in-process rewards", async () => {
    const items = mathItems(50);
    const res = await post(app, "/get_reward", { query: items.map((x) => x.prompt + x.response), prompts: items.map((x) => x.prompt), labels: items.map((x) => x.label) });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> };
    const expected = items.map((x) => composition.rewards.math(item(x.prompt, x.response, x.label)) as number);
    expect(body.scores).toEqual(expected);
    expect(body.rewards).toEqual(expected.map((s) => (s - 0.5) / 0.5));
    expect(body.extra_logs.no_signal).toEqual(expected.map(() => 0));
  });

  it("accepts a body with query only (prompts and labels absent): no label → no signal (null), flagged in extra_logs", async () => {
    const res = await post(app, "/get_reward", { query: ["#### 4"] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ rewards: [null], scores: [null], extra_logs: { no_signal: [1] } });
  });

  it("nullReward fills items with no signal when the trainer cannot skip them", async () => {
    const app2 = createRewardServer(composition, { nullReward: 0 });
    const res = await post(app2, "/get_reward", { query: ["#### 4"], labels: [null] });
    expect(res.json()).toMatchObject({ scores: [0], extra_logs: { no_signal: [1] } });
    await app2.close();
  });

  it("names the reward with ?reward= and 400s an unknown name", async () => {
    const ok = await post(app, "/get_reward?reward=gsm8k", { query: ["x #### 4"], labels: ["4"] });
    expect(ok.json()).toMatchObject({ scores: [1], extra_logs: { parsed: [1] } });
    const bad = await post(app, "/get_reward?reward=nope", { query: ["x"] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: { code: "UNKNOWN_REWARD", field: "reward", message: expect.stringContaining("math, judged, gsm8k") } });
  });
});

describe("bad input gets a clear error, never a 500 with a stack", () => {
  const app = createRewardServer(composition, { bodyLimit: 1 << 20, maxBatch: 10_000, deadlineMs: 300, maxPendingItems: 4 });
  afterAll(() => app.close());
  const noStack = (body: string) => expect(body).not.toMatch(/\bat .*\.(ts|js):\d+/);

  it("malformed JSON → 400 MALFORMED_JSON", async () => {
    const res = await post(app, "/get_reward", '{"query": ["a",');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("MALFORMED_JSON");
    noStack(res.body);
  });

  it("wrong types → 400 naming the field", async () => {
    for (const [payload, field] of [
      [{ query: "a" }, "query"],
      [{ query: ["a", 3] }, "query.1"],
      [{ prompts: ["a"] }, "query"],
      [{ query: ["a"], prompts: [1] }, "prompts.0"],
      [{ query: ["a", "b"], prompts: ["a"] }, "prompts"],
      [{ query: ["a"], labels: ["x", "y"] }, "labels"],
    ] as const) {
      const res = await post(app, "/get_reward", payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toMatchObject({ code: "INVALID_INPUT", field });
      noStack(res.body);
    }
    const verl = await post(app, "/compute_score", { items: [{ data_source: "x", solution_str: 5 }] });
    expect(verl.statusCode).toBe(400);
    expect(verl.json().error.field).toBe("items.0.solution_str");
  });

  it("a body over bodyLimit → 413 BODY_TOO_LARGE", async () => {
    const res = await post(app, "/get_reward", { query: ["x".repeat(2 << 20)] });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe("BODY_TOO_LARGE");
  });

  it("100,000 items → 413 BATCH_TOO_LARGE naming query (maxBatch), in either protocol", async () => {
    const big = createRewardServer(composition);
    const res = await post(big, "/get_reward", { query: Array.from({ length: 100_000 }, () => "x") });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: "BATCH_TOO_LARGE", field: "query", message: expect.stringContaining("16384") });
    const verl = await post(big, "/compute_score", { items: Array.from({ length: 100_000 }, () => ({ solution_str: "x" })) });
    expect(verl.statusCode).toBe(413);
    expect(verl.json().error.field).toBe("items");
    await big.close();
  });

  it("a hanging judge → 504 at the deadline, its work cancelled through the AbortSignal", async () => {
    const t0 = performance.now();
    const res = await post(app, "/get_reward?reward=hang", { query: ["a"] });
    expect(res.statusCode).toBe(504);
    expect(res.json().error.code).toBe("TIMEOUT");
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(await serverMetrics(app).inFlight.get()).toMatchObject({ values: [{ value: 0 }] });
  });

  it("a reward that throws → 502 REWARD_ERROR with its message, no stack", async () => {
    const res = await post(app, "/get_reward?reward=broken", { query: ["a"] });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.message).toContain("the sandbox crashed");
    noStack(res.body);
  });

  it("backpressure: past maxPendingItems → 429 with Retry-After", async () => {
    const slow = post(app, "/get_reward?reward=slow", { query: ["a", "b", "c"] });
    await new Promise((r) => setTimeout(r, 50));
    const busy = await post(app, "/get_reward?reward=slow", { query: ["d", "e"] });
    expect(busy.statusCode).toBe(429);
    expect(busy.headers["retry-after"]).toBe("1");
    expect(busy.json().error.code).toBe("BUSY");
    // the slow one has a 300 ms deadline and takes 400 ms
    expect((await slow).statusCode).toBe(504);
  });

  it("unknown routes → 404 listing the routes", async () => {
    const res = await post(app, "/score", { query: [] });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toContain("/get_reward");
  });
});

describe("POST /compute_score (verl-style batch)", () => {
  const app = createRewardServer(composition);
  afterAll(() => app.close());

  it("routes by data_source, answers in input order with extras", async () => {
    const res = await post(app, "/compute_score", {
      items: [
        { data_source: "openai/gsm8k", solution_str: "so #### 4", ground_truth: "4", extra_info: { split: "train" } },
        { data_source: "other", solution_str: "so #### 4", ground_truth: "4" },
        { data_source: "openai/gsm8k", solution_str: "no answer", ground_truth: "4" },
      ],
    });
    expect(res.statusCode).toBe(200);
    const { results } = res.json() as { results: Record<string, number>[] };
    expect(results[0]).toEqual({ score: 1, parsed: 1 });
    expect(results[1]!.score).toBeCloseTo(1 + 9 / 170, 12); // math: ensemble of correct + format, plus the length bonus
    expect(results[2]).toEqual({ score: 0, parsed: 0 });
  });
});

describe("API key, logging, health and metrics", () => {
  const key = "sk-test-0123456789abcdef";
  let logs = "";
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  const app = createRewardServer(composition, { apiKey: key, logger: { level: "trace", stream } });
  afterAll(() => app.close());

  it("401 without or with a wrong bearer token; 200 with it; the key is never logged", async () => {
    expect((await post(app, "/get_reward", { query: ["a"] })).statusCode).toBe(401);
    const wrong = await post(app, "/get_reward", { query: ["a"] }, { authorization: "Bearer nope" });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe("UNAUTHORIZED");
    const ok = await post(app, "/get_reward", { query: ["a"], labels: ["1"] }, { authorization: `Bearer ${key}` });
    expect(ok.statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(401);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(key);
  });

  it("/health needs no key; /metrics reports requests, latency, errors by kind and judge cache hits", async () => {
    const health = await app.inject({ method: "GET", url: "/health" });
    expect(health.json()).toMatchObject({ status: "ok", mode: "in-process" });
    const body = { query: ["Q #### 12", "Q #### 12"], prompts: ["Q", "Q"] };
    await post(app, "/get_reward?reward=rubric", body, { authorization: `Bearer ${key}` });
    const metrics = await app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${key}` } });
    expect(metrics.headers["content-type"]).toContain("text/plain");
    const text = metrics.body;
    expect(text).toMatch(/rl_serve_requests_total\{route="\/get_reward",status="200"\} \d+/);
    expect(text).toMatch(/rl_serve_request_duration_seconds_bucket\{le="0.1",route="\/get_reward"\}/);
    expect(text).toMatch(/rl_serve_errors_total\{kind="unauthorized"\} 3/);
    const hits = Number(/rl_serve_judge_cache_hits\{judge="length"\} (\d+)/.exec(text)?.[1]);
    expect(hits).toBeGreaterThanOrEqual(2); // the second identical response is answered from the cache
    expect(text).toMatch(/rl_serve_items_total\{reward="rubric"\} 2/);
  });
});

describe("createRewardServer options", () => {
  it("bad limits and bad compositions are RLErrors at creation, not at the first request", () => {
    expect(() => createRewardServer(composition, { maxBatch: 0 })).toThrow(/createRewardServer.*maxBatch/);
    expect(() => createRewardServer(composition, { nullReward: Number.NaN })).toThrow(/nullReward/);
    expect(() => createRewardServer({ rewards: {} })).toThrow(/rewards is empty/);
  });
});
