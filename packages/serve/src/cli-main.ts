import { parseArgs } from "node:util";
import { RLError } from "@rl/core/arrays";
import { loadRewardConfig } from "./config.js";
import { rewardQueue, rewardWorker } from "./queue.js";
import { createRewardServer } from "./server.js";

/** Where the CLI writes and what it reads from the environment (injectable for tests). */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}

const USAGE = `usage:
  rl-serve rewards --config rewards.ts [--port 5000] [--host 0.0.0.0] [--queue redis://host:port]
                   [--api-key-env VAR] [--max-batch 16384] [--deadline-ms 170000] [--concurrency 64]
                   [--max-pending 65536] [--null-reward X] [--job-size 256] [--attempts 3] [--log]
  rl-serve worker  --config rewards.ts --queue redis://host:port [--concurrency 1]
                   [--item-concurrency 64] [--lock-ms 30000] [--stalled-ms 30000] [--quiet]`;

const OPTIONS = {
  config: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  queue: { type: "string" },
  "api-key-env": { type: "string" },
  "max-batch": { type: "string" },
  "deadline-ms": { type: "string" },
  concurrency: { type: "string" },
  "max-pending": { type: "string" },
  "null-reward": { type: "string" },
  "job-size": { type: "string" },
  attempts: { type: "string" },
  "item-concurrency": { type: "string" },
  "lock-ms": { type: "string" },
  "stalled-ms": { type: "string" },
  log: { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new RLError("INVALID_CONFIG", `rl-serve: --${flag} is "${value}"; expected a non-negative integer`);
  return n;
}

/**
 * Runs `rl-serve` with `argv` (without `node` and the script). `rewards` starts the reward server
 * and prints `listening on http://host:port`; `worker` starts a reward worker on the queue. Resolves
 * with a `close` that shuts the service down gracefully (the bin calls it on SIGTERM / SIGINT).
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`), env: process.env },
): Promise<{ close: () => Promise<void> }> {
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  const command = positionals[0];
  if (values.help === true || command === undefined) {
    io.out(USAGE);
    return { close: async () => undefined };
  }
  if (command !== "rewards" && command !== "worker") throw new RLError("INVALID_INPUT", `rl-serve: unknown command "${command}"\n${USAGE}`);
  if (values.config === undefined) throw new RLError("INVALID_INPUT", `rl-serve ${command}: --config is required\n${USAGE}`);
  const composition = await loadRewardConfig(values.config);

  if (command === "worker") {
    if (values.queue === undefined) throw new RLError("INVALID_INPUT", "rl-serve worker: --queue redis://host:port is required");
    const concurrency = int(values.concurrency, "concurrency");
    const itemConcurrency = int(values["item-concurrency"], "item-concurrency");
    const lockDurationMs = int(values["lock-ms"], "lock-ms");
    const stalledIntervalMs = int(values["stalled-ms"], "stalled-ms");
    const worker = rewardWorker(values.queue, composition, {
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(itemConcurrency !== undefined ? { itemConcurrency } : {}),
      ...(lockDurationMs !== undefined ? { lockDurationMs } : {}),
      ...(stalledIntervalMs !== undefined ? { stalledIntervalMs } : {}),
      log: values.quiet === true ? false : io.err,
    });
    await worker.worker.waitUntilReady();
    io.out(`worker ready on ${redactUrl(values.queue)} (rewards: ${Object.keys(composition.rewards).join(", ")})`);
    return { close: () => worker.close() };
  }

  let apiKey: string | undefined;
  if (values["api-key-env"] !== undefined) {
    apiKey = io.env[values["api-key-env"]];
    if (apiKey === undefined || apiKey === "") throw new RLError("INVALID_CONFIG", `rl-serve: --api-key-env names ${values["api-key-env"]}, which is not set`);
  }
  const nullReward = values["null-reward"] === undefined ? undefined : Number(values["null-reward"]);
  if (nullReward !== undefined && !Number.isFinite(nullReward)) throw new RLError("INVALID_CONFIG", `rl-serve: --null-reward is "${values["null-reward"]}"; expected a number`);
  const jobSize = int(values["job-size"], "job-size");
  const attempts = int(values.attempts, "attempts");
  const queue = values.queue === undefined ? undefined : rewardQueue(values.queue, { ...(jobSize !== undefined ? { jobSize } : {}), ...(attempts !== undefined ? { attempts } : {}) });
  const maxBatch = int(values["max-batch"], "max-batch");
  const deadlineMs = int(values["deadline-ms"], "deadline-ms");
  const concurrency = int(values.concurrency, "concurrency");
  const maxPendingItems = int(values["max-pending"], "max-pending");
  const app = createRewardServer(composition, {
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(maxBatch !== undefined ? { maxBatch } : {}),
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(maxPendingItems !== undefined ? { maxPendingItems } : {}),
    ...(nullReward !== undefined ? { nullReward } : {}),
    ...(queue !== undefined ? { queue } : {}),
    logger: values.log === true,
  });
  const address = await app.listen({ port: int(values.port, "port") ?? 5000, host: values.host ?? "127.0.0.1" });
  io.out(`listening on ${address} (${queue !== undefined ? `queue mode, ${redactUrl(values.queue!)}` : "in-process"}; rewards: ${Object.keys(composition.rewards).join(", ")})`);
  return {
    close: async () => {
      await app.close();
      await queue?.close();
    },
  };
}

/** A Redis URL without its password, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}
