// Child of the kill -9 test: saves checkpoints (mode "checkpoint") or appends JSONL records (mode
// "jsonl") in a loop until killed. Prints "ready" once the first write is done.
const [mode, dir] = process.argv.slice(2);
const { join } = await import("node:path");
if (mode === "checkpoint") {
  const { tf, createRng, ready } = await import("@rl/core");
  const { saveCheckpoint } = await import("@rl/core/runs");
  await ready();
  const w = tf.randomNormal([256, 256], 0, 1, "float32", 1); // 256 KiB per checkpoint
  for (let step = 0; ; step++) {
    await saveCheckpoint(join(dir, "ckpt.safetensors"), { variables: [w], optimizerState: { step }, step, rng: createRng(step), metadata: { step } }, { chunkSize: 4096 });
    if (step === 0) process.stdout.write("ready\n");
  }
} else {
  const { openJsonlWriter } = await import("@rl/core/data");
  const writer = await openJsonlWriter(join(dir, "log.jsonl"), undefined, { sync: "record" });
  for (let k = 0; ; k++) {
    await writer.write({ k, text: "x".repeat(k % 5000) });
    if (k === 0) process.stdout.write("ready\n");
  }
}
