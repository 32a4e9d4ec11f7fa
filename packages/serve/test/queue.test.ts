import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import { REWARD_QUEUE, redisOptions, rolloutQueue, rolloutWorker } from "../src/index.js";
import { mathScore } from "./fixtures/rewards.js";
import { fixtureConfig, freePort, mathItems, startCli, startRedis, type Proc } from "./helpers.js";

type Redis = Awaited<ReturnType<typeof startRedis>>;
const N = 10_000;
const BATCH = 1_000;
const items = mathItems(N);
const expected = items.map((x) => mathScore(x.response, x.label));
const workerArgs = (url: string) => ["worker", "--config", fixtureConfig, "--queue", url, "--lock-ms", "2000", "--stalled-ms", "1000"];
const workerEnv = { RL_SERVE_TEST_DELAY_MS: "3" };

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Sends all items to /get_reward in batches of BATCH (two requests in flight), returns the scores in order and the seconds taken. */
async function scoreAll(serverUrl: string, tag: string, onProgress?: (done: number) => void): Promise<{ scores: (number | null)[]; seconds: number }> {
  const t0 = performance.now();
  const scores = new Array<number | null>(N);
  let done = 0;
  const starts = Array.from({ length: N / BATCH }, (_, k) => k * BATCH);
  const lane = async () => {
    for (let s = starts.shift(); s !== undefined; s = starts.shift()) {
      const batch = items.slice(s, s + BATCH);
      const res = await postJson(
        `${serverUrl}/get_reward?reward=judged`,
        { query: batch.map((x) => x.prompt + x.response), prompts: batch.map((x) => x.prompt), labels: batch.map((x) => x.label) },
        { "idempotency-key": `${tag}-${s}` },
      );
      expect(res.status, JSON.stringify(res.json).slice(0, 300)).toBe(200);
      const got = res.json.scores as (number | null)[];
      expect(got).toHaveLength(batch.length);
      got.forEach((v, j) => (scores[s + j] = v));
      done += batch.length;
      onProgress?.(done);
    }
  };
  await Promise.all([lane(), lane()]);
  return { scores, seconds: (performance.now() - t0) / 1000 };
}

const sum = (xs: readonly (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);

describe("reward server in queue mode with worker processes (real redis-server)", () => {
  let redis: Redis;
  let server: Proc & { url: string };
  const workers: Proc[] = [];
  let queue: Queue;

  beforeAll(async () => {
    redis = await startRedis();
    server = await startCli(["rewards", "--config", fixtureConfig, "--port", String(await freePort()), "--queue", redis.url, "--job-size", "100", "--attempts", "2"]);
    queue = new Queue(REWARD_QUEUE, { connection: redisOptions(redis.url) });
  });
  afterAll(async () => {
    await queue?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await server?.stop();
    await redis?.stop();
  });

  it("1 worker, then 3 workers: 10,000 items, every score equal to the in-process one, in order (throughput printed)", async () => {
    workers.push(await startCli(workerArgs(redis.url), workerEnv));
    const one = await scoreAll(server.url, "one");
    expect(one.scores).toEqual(expected);
    workers.push(await startCli(workerArgs(redis.url), workerEnv), await startCli(workerArgs(redis.url), workerEnv));
    const three = await scoreAll(server.url, "three");
    expect(three.scores).toEqual(expected);
    console.log(
      `[rl-serve queue] ${N} items: 1 worker ${(N / one.seconds).toFixed(0)} items/s, 3 workers ${(N / three.seconds).toFixed(0)} items/s ` +
        `(under load: shared 2-core machine; each item awaits ${workerEnv.RL_SERVE_TEST_DELAY_MS} ms like a judge call)`,
    );
  });

  it("SIGTERM: a worker finishes its current job and exits 0", async () => {
    const w = workers.shift()!;
    await w.stop("SIGTERM");
    expect(w.child.exitCode).toBe(0);
    expect(w.output()).toContain("SIGTERM, shutting down");
  });

  it("SIGKILL of a worker mid-job: every item gets exactly one result, in order, and the sum equals the in-process sum", async () => {
    await queue.obliterate({ force: true });
    // three workers: the two fast ones and a victim whose items each await 1 s, so it holds every job it takes for >= 2 s
    const victim = await startCli(workerArgs(redis.url), { RL_SERVE_TEST_DELAY_MS: "1000" });
    workers.push(victim);
    const victimName = new RegExp(`^rl-serve-.*-${victim.child.pid}$`);
    let done = 0;
    const run = scoreAll(server.url, "kill", (d) => (done = d));
    // Once two batches are back, wait until the victim holds a job, then SIGKILL it mid-job.
    let killedJob: string | undefined;
    while (killedJob === undefined) {
      await new Promise((r) => setTimeout(r, 5));
      if (done < 2 * BATCH) continue;
      const held = (await queue.getJobs(["active"])).find((j) => j.processedBy !== undefined && victimName.test(j.processedBy));
      if (held !== undefined) {
        victim.child.kill("SIGKILL");
        killedJob = held.id;
      }
    }
    const { scores } = await run;
    expect(victim.child.signalCode).toBe("SIGKILL");
    expect(scores).toEqual(expected);
    expect(sum(scores)).toBeCloseTo(sum(expected), 9);
    // the job it held stalled, was recovered by another worker and completed once
    const recovered = await queue.getJob(killedJob);
    expect(await recovered!.getState()).toBe("completed");
    expect(recovered!.stalledCounter).toBeGreaterThanOrEqual(1);
    expect(recovered!.processedBy).not.toMatch(victimName);
    const counts = await queue.getJobCounts("completed", "failed", "active", "waiting");
    expect(counts).toEqual({ completed: N / 100, failed: 0, active: 0, waiting: 0 });
    const jobs = await queue.getJobs(["completed"], 0, -1);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(N / 100);
    expect(jobs.reduce((a, j) => a + (j.returnvalue as unknown[]).length, 0)).toBe(N);
  });

  it("a retried request with the same idempotency key reuses the jobs and their results (no new job)", async () => {
    const before = await queue.getJobCounts("completed");
    const batch = items.slice(0, BATCH);
    const res = await postJson(`${server.url}/get_reward?reward=judged`, { query: batch.map((x) => x.prompt + x.response), prompts: batch.map((x) => x.prompt), labels: batch.map((x) => x.label) }, { "idempotency-key": "kill-0" });
    expect(res.status).toBe(200);
    expect(res.json.scores).toEqual(expected.slice(0, BATCH));
    expect(await queue.getJobCounts("completed")).toEqual(before);
  });

  it("a job that exhausts its retries gives its items null with the reason, never 0", async () => {
    const res = await postJson(`${server.url}/compute_score?reward=broken`, { items: [{ solution_str: "a" }, { solution_str: "b" }] });
    expect(res.status).toBe(200);
    const results = res.json.results as { score: number | null; reason?: string }[];
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.score).toBeNull();
      expect(r.reason).toMatch(/retries exhausted \(2 attempts\): the sandbox crashed/);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/rl_serve_item_failures_total\{reward="broken"\} 2/);
    expect(metrics).toMatch(/rl_serve_queue_jobs\{state="failed"\} \d+/);
    expect(metrics).toMatch(/rl_serve_items_total\{reward="judged"\} \d+/);
  });

});

describe("rollouts on the queue (library API, in-process worker)", () => {
  it("rolloutQueue / rolloutWorker: prompts in, rollouts out, in input order, with the job's payload", async () => {
    const redis = await startRedis();
    const worker = rolloutWorker<{ prompt: string }, { text: string }, { suffix: string }>(
      redis.url,
      async ({ prompt }, { payload }) => {
        await new Promise((r) => setTimeout(r, prompt.length % 3));
        return { text: prompt.toUpperCase() + payload.suffix };
      },
      { log: false },
    );
    const queue = rolloutQueue<{ prompt: string }, { text: string }, { suffix: string }>(redis.url, { jobSize: 7 });
    try {
      const prompts = Array.from({ length: 50 }, (_, i) => ({ prompt: `prompt ${i}` }));
      const out = await queue.run({ suffix: "!" }, prompts, { key: "rollouts-1" });
      expect(out).toEqual(prompts.map((p) => ({ ok: true, value: { text: p.prompt.toUpperCase() + "!" } })));
      expect(worker.processed()).toBe(50);
      expect((await queue.depth()).completed).toBe(Math.ceil(50 / 7));
    } finally {
      await worker.close();
      await queue.close();
      await redis.stop();
    }
  });
});

describe("Redis goes away and comes back", () => {
  it("requests in flight wait, lost jobs are added again, every item gets one result in order", async () => {
    const port = await freePort();
    let redis = await startRedis({ port });
    const server = await startCli(["rewards", "--config", fixtureConfig, "--port", String(await freePort()), "--queue", redis.url, "--job-size", "100"]);
    const worker = await startCli(workerArgs(redis.url), { RL_SERVE_TEST_DELAY_MS: "20" });
    try {
      const n = 2_000;
      const batch = items.slice(0, n);
      const pending = postJson(`${server.url}/get_reward?reward=judged`, { query: batch.map((x) => x.prompt + x.response), prompts: batch.map((x) => x.prompt), labels: batch.map((x) => x.label) });
      await worker.waitFor(/job \S+: 100 items/);
      await redis.stop("SIGKILL"); // no persistence: every job in Redis is lost
      await new Promise((r) => setTimeout(r, 1_500));
      redis = await startRedis({ port });
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.json.scores).toEqual(expected.slice(0, n));
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
    } finally {
      await worker.stop();
      await server.stop();
      await redis.stop();
    }
  });
});
