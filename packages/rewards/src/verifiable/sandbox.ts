import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { parseConfig, RLError } from "@rl/core/arrays";

/** Which isolation the sandbox applied to one run (see docs/rewards.md, "Code sandbox"). */
export interface SandboxIsolation {
  /** The process ran in its own network namespace (only a loopback device, down): no network. */
  network: boolean;
  /** The whole filesystem was read-only except the temporary working directory. */
  filesystem: boolean;
  /** The process ran in its own PID namespace (it cannot see or signal other processes). */
  processes: boolean;
}

/** What one sandboxed process did. */
export interface SandboxRun {
  stdout: string;
  stderr: string;
  /** Text the program wrote to file descriptor 3 (the harness's private result channel). */
  result: string;
  exitCode: number | null;
  signal: string | null;
  /** Killed by the wall-clock limit. */
  timedOut: boolean;
  /** Some output stream exceeded `maxOutputBytes` and the process was killed. */
  outputTruncated: boolean;
  durationMs: number;
  isolation: SandboxIsolation;
}

/** Config schema of {@link runSandboxed} (zod; every field has a default). */
export const sandboxConfig = z.object({
  /** Wall-clock limit in ms; on expiry the whole process group is killed with SIGKILL. */
  timeMs: z.number().int().positive().default(10_000),
  /** Memory limit in MiB: RLIMIT_AS (`memoryRlimit: "as"`, python) or RLIMIT_DATA (`"data"`, node, whose V8 reserves address space). */
  memMb: z.number().int().positive().default(1024),
  memoryRlimit: z.enum(["as", "data"]).default("as"),
  /** Each of stdout, stderr and the result channel is cut at this many bytes (the process is then killed). */
  maxOutputBytes: z.number().int().positive().default(1 << 20),
  /** `"isolated"`: run in new user, network, mount and PID namespaces (`unshare -rnmpf`); `"allowed"`: plain child process. */
  network: z.enum(["isolated", "allowed"]).default("isolated"),
  /** When namespaces are unavailable: `true` throws `BACKEND_UNAVAILABLE` (fail closed); `false` runs without them and reports it in `isolation`. */
  requireIsolation: z.boolean().default(true),
  /** Parent of the fresh working directory (removed after the run). */
  tmpRoot: z.string().min(1).optional(),
  /** Extra environment variables; the environment is otherwise empty but for PATH, HOME, LANG. */
  env: z.record(z.string(), z.string()).default({}),
});
/** Input type of `sandboxConfig`. */
export type SandboxConfig = z.input<typeof sandboxConfig>;

let namespacesProbe: boolean | undefined;
/** True when `unshare -rnmpf` works here (unprivileged user namespaces or root). Probed once. */
export function sandboxNamespacesAvailable(): boolean {
  if (namespacesProbe === undefined) {
    const r = spawnSync("unshare", ["-rnmpf", "--kill-child", "true"], { stdio: "ignore", timeout: 5000, env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" } });
    namespacesProbe = r.status === 0;
  }
  return namespacesProbe;
}

// Inside the namespaces: bind the host root read-only at $R, bind the working directory read-write at
// the same path, give /proc of the new PID namespace, chroot, cd into the working directory, exec.
const NAMESPACE_SCRIPT = `set -e
R="$1"; W="$2"; shift 2
mount --rbind / "$R"
for m in $(awk -v r="$R" '$5==r || index($5, r"/")==1 {print $5}' /proc/self/mountinfo | sort -r); do
  mount -o remount,bind,ro "$m" 2>/dev/null || true
done
mount --bind "$W" "$R$W"
mount -t proc proc "$R/proc" 2>/dev/null || true
exec chroot "$R" /bin/sh -c 'cd "$0" && unset OLDPWD PWD && exec "$@"' "$W" "$@"`;

/**
 * Runs one untrusted program in a separate process under limits (the sandbox of
 * {@link subprocessCodeExecutor}): a wall-clock limit (the process group is killed), a memory rlimit and
 * a CPU-time rlimit (`prlimit`), no core files, a 64 MiB file-size rlimit, a fresh temporary working
 * directory (removed afterwards, also on error), an empty environment but for PATH/HOME/LANG and
 * `env`, bounded output, and by default new user / network / mount / PID namespaces (`unshare -rnmpf`):
 * no network, a read-only filesystem but for the working directory, no view of other processes.
 *
 * `files` are written into the working directory before the run; `argv[0]` is an absolute path.
 * Never throws for what the program does (crash, timeout, output flood); throws `RLError` for bad
 * config, or `BACKEND_UNAVAILABLE` when isolation is required but unavailable.
 *
 * @example
 * const r = await runSandboxed(["/usr/bin/python3", "-c", "print(6 * 7)"], "", {}, { timeMs: 5000 });
 * r.stdout.trim(); // "42"
 * @remarks Limits as verl `prime_code/testing_util.py` `reliability_guard` (RLIMIT_AS) at b178a3cd; isolation by Linux namespaces.
 */
export async function runSandboxed(
  argv: readonly string[],
  stdin: string,
  files: Readonly<Record<string, string>>,
  config: SandboxConfig = {},
): Promise<SandboxRun> {
  const c = parseConfig(sandboxConfig, config, "runSandboxed");
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== "string")) {
    throw new RLError("INVALID_INPUT", "runSandboxed: argv must be a non-empty array of strings");
  }
  if (typeof stdin !== "string") throw new RLError("INVALID_INPUT", "runSandboxed: stdin must be a string");
  const useNs = c.network === "isolated" && sandboxNamespacesAvailable();
  if (c.network === "isolated" && !useNs && c.requireIsolation) {
    throw new RLError("BACKEND_UNAVAILABLE", "runSandboxed: network isolation needs `unshare -rnmpf` (user namespaces), which is unavailable here; pass network: \"allowed\" or requireIsolation: false to run unisolated");
  }
  const base = await mkdtemp(join(c.tmpRoot ?? tmpdir(), "rl-sandbox-"));
  const work = join(base, "work");
  const root = join(base, "root");
  try {
    await mkdir(work, { mode: 0o700 });
    await mkdir(root);
    for (const [name, text] of Object.entries(files)) {
      if (name.includes("/") || name === "." || name === "..") throw new RLError("INVALID_INPUT", `runSandboxed: file name "${name}" must be a plain name`);
      await writeFile(join(work, name), text);
    }
    const memBytes = c.memMb * 1024 * 1024;
    const limits = [
      `--${c.memoryRlimit}=${memBytes}`,
      `--cpu=${Math.ceil(c.timeMs / 1000) + 1}`,
      "--core=0",
      `--fsize=${64 * 1024 * 1024}`,
    ];
    const inner = ["prlimit", ...limits, "--", ...argv];
    const [cmd, ...args] = useNs
      ? ["unshare", "-rnmpf", "--kill-child", "--propagation", "private", "/bin/sh", "-c", NAMESPACE_SCRIPT, "sandbox", root, work, ...inner]
      : inner;
    const env: Record<string, string> = { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", HOME: work, LANG: "C.UTF-8", ...c.env };
    return await new Promise<SandboxRun>((resolve) => {
      const started = Date.now();
      const child = spawn(cmd as string, args, { cwd: work, env, detached: true, stdio: ["pipe", "pipe", "pipe", "pipe"] });
      const bufs: Buffer[][] = [[], [], []];
      const sizes = [0, 0, 0];
      let timedOut = false;
      let outputTruncated = false;
      let done = false;
      const kill = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, c.timeMs);
      const streams = [child.stdout, child.stderr, child.stdio[3]] as (NodeJS.ReadableStream | null)[];
      streams.forEach((s, i) => {
        s?.on("data", (d: Buffer) => {
          const room = c.maxOutputBytes - (sizes[i] as number);
          if (room <= 0) return;
          if (d.length > room) {
            bufs[i]!.push(d.subarray(0, room));
            sizes[i] = c.maxOutputBytes;
            outputTruncated = true;
            kill();
          } else {
            bufs[i]!.push(d);
            sizes[i] = (sizes[i] as number) + d.length;
          }
        });
        s?.on("error", () => undefined);
      });
      child.stdin.on("error", () => undefined);
      child.stdin.end(stdin);
      const finish = (exitCode: number | null, signal: string | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        kill(); // reap anything left in the group
        const text = (i: number): string => Buffer.concat(bufs[i]!).toString("utf8");
        resolve({
          stdout: text(0),
          stderr: text(1),
          result: text(2),
          exitCode,
          signal,
          timedOut,
          outputTruncated,
          durationMs: Date.now() - started,
          isolation: { network: useNs, filesystem: useNs, processes: useNs },
        });
      };
      child.on("error", () => finish(null, null));
      child.on("close", (code, sig) => finish(code, sig));
      // A descendant that left the process group may hold the pipes open: stop waiting shortly after exit.
      child.on("exit", (code, sig) => setTimeout(() => finish(code, sig), 250).unref());
    });
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
