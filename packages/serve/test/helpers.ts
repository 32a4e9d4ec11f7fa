// Test helpers: a real redis-server on a free port (never a mock), and rl-serve processes.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const here = dirname(fileURLToPath(import.meta.url));
export const packageDir = join(here, "..");
export const cliPath = join(packageDir, "dist", "cli.js");
export const fixtureConfig = join(here, "fixtures", "rewards.ts");

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A child process with its output collected, and a way to wait for a line. */
export interface Proc {
  child: ChildProcess;
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

export function startProcess(command: string, args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    output: () => out,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out);
          if (m !== null) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m[0]);
          } else if (child.exitCode !== null) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`${command} exited (${child.exitCode}) before ${pattern}:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}:\n${out}`));
        }, timeoutMs);
        listeners.add(check);
        child.once("exit", check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A redis-server of Debian's package on a free 127.0.0.1 port, without persistence unless `dir` is given (then append-only, fsync always). */
export async function startRedis(options: { port?: number; dir?: string } = {}): Promise<Proc & { port: number; url: string }> {
  const port = options.port ?? (await freePort());
  const persistence = options.dir !== undefined ? ["--dir", options.dir, "--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
  const p = startProcess("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence]);
  await p.waitFor(/Ready to accept connections/);
  return { ...p, port, url: `redis://127.0.0.1:${port}` };
}

/** A temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "rl-serve-"));
}

/** Starts `rl-serve` (the built bin) and waits until it is ready; returns its URL for `rewards`. */
export async function startCli(args: string[], env: Record<string, string> = {}): Promise<Proc & { url: string }> {
  const p = startProcess(process.execPath, [cliPath, ...args], env);
  const line = await p.waitFor(/listening on http:\/\/[^\s]+|worker ready/, 60_000);
  const url = /http:\/\/[^\s]+/.exec(line)?.[0] ?? "";
  return { ...p, url };
}

/** Deterministic gsm8k-like items: a question, a worked answer (right, wrong or unparsable), the gold label. */
export function mathItems(n: number, seed = 0): { prompt: string; response: string; label: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const a = (i * 7 + seed) % 97;
    const b = (i * 13 + 3 * seed) % 89;
    const kind = (i + seed) % 5;
    const answer = kind === 0 ? a + b + 1 : a + b;
    const response = kind === 4 ? ` I think it is ${a + b}.` : ` ${a} + ${b} = ${answer}.${" ".repeat(i % 11)}\n#### ${answer}`;
    return { prompt: `<|user|>What is ${a} + ${b}?<|assistant|>`, response, label: String(a + b) };
  });
}
