import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const here = new URL("..", import.meta.url).pathname;

/** Every file under `dir` (recursively; none when it does not exist) whose name passes `keep`. */
export function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(p, keep));
    else if (keep(entry.name)) files.push(p);
  }
  return files;
}

/** Runs an ES module source with plain `node` from this package (so `@rl/*` resolve to dist/). */
export async function runModule(source: string, name: string): Promise<{ stdout: string; stderr: string }> {
  const dir = join(here, ".tmp");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name.replace(/[^a-z0-9-]/gi, "_")}.mjs`);
  await writeFile(file, source);
  try {
    return await run(process.execPath, [file], { cwd: here, timeout: 120_000, maxBuffer: 16 << 20 });
  } finally {
    await rm(file, { force: true });
  }
}

/** The ```js blocks of a markdown file, each with the ```text block that follows it (if any). */
export function jsExamples(markdown: string): { code: string; expected: string | undefined; line: number }[] {
  const out: { code: string; expected: string | undefined; line: number }[] = [];
  const re = /```(\w+)\n([\s\S]*?)```/g;
  const blocks: { lang: string; body: string; index: number }[] = [];
  for (let m = re.exec(markdown); m !== null; m = re.exec(markdown)) blocks.push({ lang: m[1] ?? "", body: m[2] ?? "", index: m.index });
  blocks.forEach((b, k) => {
    if (b.lang !== "js") return;
    const next = blocks[k + 1];
    const between = next !== undefined ? markdown.slice(b.index + b.body.length, next.index) : "";
    const expected = next?.lang === "text" && between.split("```").length <= 3 ? next.body : undefined;
    out.push({ code: b.body, expected, line: markdown.slice(0, b.index).split("\n").length });
  });
  return out;
}
