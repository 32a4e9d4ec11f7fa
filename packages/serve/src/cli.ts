#!/usr/bin/env node
// The `rl-serve` bin: runs the CLI and shuts it down gracefully on SIGTERM / SIGINT (a worker
// finishes its current job, or returns it to the queue past the grace period).
import { RLError } from "@rl/core/arrays";
import { runCli } from "./cli-main.js";

try {
  const service = await runCli(process.argv.slice(2));
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`rl-serve: ${signal}, shutting down\n`);
    service.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`rl-serve: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
} catch (e) {
  process.stderr.write(`rl-serve: ${RLError.isInstance(e) ? e.message : e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
