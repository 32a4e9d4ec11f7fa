import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { grpoAdvantages, tempoAdvantages } from "@rl/credit";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleInput, parseExplorerInput } from "../src/explorer.js";

// Debian's chromium (installed by .ci/run). Outside CI the test is skipped when it is missing;
// in CI a missing browser is a failure. The app must be built first (`vite build`, turbo's
// test task depends on build).
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveBrowser = existsSync(executablePath);
const dist = new URL("../dist/", import.meta.url).pathname;
const docsShot = new URL("../../../docs/images/credit-explorer.png", import.meta.url).pathname;

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** A tiny static server over dist/ (wasm needs the application/wasm type for streaming compilation). */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    let file = join(root, path);
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Reads a heatmap's `data-value` cells into a `[B][T]` array (NaN where a cell is padding). */
type Cell = { row: number; col: number; value: number };
function toRows(cells: Cell[], B: number, T: number): number[][] {
  const out = Array.from({ length: B }, () => Array<number>(T).fill(Number.NaN));
  for (const c of cells) (out[c.row] as number[])[c.col] = c.value;
  return out;
}

function expectMatches(browser: number[][], node: number[][], mask: number[][], name: string): void {
  let n = 0;
  mask.forEach((row, b) =>
    row.forEach((m, t) => {
      const got = (browser[b] as number[])[t] as number;
      if (m === 1) {
        n++;
        expect(Math.abs(got - ((node[b] as number[])[t] as number)), `${name}[${b}][${t}]`).toBeLessThanOrEqual(1e-9);
      } else expect(got, `${name}[${b}][${t}] is padding`).toBeNaN();
    }),
  );
  expect(n).toBeGreaterThan(0);
}

describe.runIf(haveBrowser || process.env.CI === "true")("credit explorer in headless Chromium", () => {
  let server: Server | undefined;
  beforeAll(async () => {
    expect(existsSync(join(dist, "index.html")), "run `vite build` first").toBe(true);
    server = await serve(dist);
  });
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("draws the tree and heatmaps equal to the Node results, and runs a DPO step on wasm", async () => {
    expect(haveBrowser, `no browser at ${executablePath}`).toBe(true);
    const { port } = (server as Server).address() as AddressInfo;
    const browser = await chromium.launch({
      executablePath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.click("#compute");
      await page.waitForSelector("body[data-state]", { state: "attached", timeout: 60_000 });
      expect(await page.$eval("#error", (e) => e.textContent)).toBe("");
      expect(await page.$eval("body", (e) => e.dataset.state)).toBe("done");

      const group = parseExplorerInput(exampleInput);
      const B = group.responses.length;
      const T = (group.responses[0] as number[]).length;
      const read = (id: string) =>
        page.$$eval(`#${id} [data-value]`, (els) =>
          els.map((e) => ({ row: Number((e as HTMLElement).dataset.row), col: Number((e as HTMLElement).dataset.col), value: Number((e as HTMLElement).dataset.value) })),
        );
      const grpo = grpoAdvantages({ rewards: group.outcomes, mask: group.mask, groups: group.groups }).advantages.toArray() as number[][];
      const tempo = tempoAdvantages({ tokenIds: group.responses, mask: group.mask, groups: group.groups, rewards: group.outcomes }).advantages.toArray() as number[][];
      expectMatches(toRows(await read("grpo-heatmap"), B, T), grpo, group.mask, "grpo");
      expectMatches(toRows(await read("tempo-heatmap"), B, T), tempo, group.mask, "tempo");
      // TEMPO differs from GRPO on this group (it has branch points).
      expect(tempo.some((row, b) => row.some((v, t) => Math.abs(v - ((grpo[b] as number[])[t] as number)) > 1e-6))).toBe(true);
      const spo = toRows(await read("spo-heatmap"), B, T);
      group.mask.forEach((row, b) => row.forEach((m, t) => (m === 1 ? expect(Number.isFinite((spo[b] as number[])[t])).toBe(true) : 0)));
      expect(await page.$$eval("#tree li", (els) => els.length)).toBeGreaterThan(3);

      const dpo = await page.$eval("#dpo-result", (e) => ({ backend: (e as HTMLElement).dataset.backend, loss: Number((e as HTMLElement).dataset.loss), text: e.textContent }));
      expect(dpo.backend, dpo.text ?? "").toBe("wasm");
      expect(Number.isFinite(dpo.loss)).toBe(true);
      expect(dpo.text).toContain("backend: wasm");
      expect(errors).toEqual([]);
      if (process.env.RL_SCREENSHOT === "1") {
        mkdirSync(join(docsShot, ".."), { recursive: true });
        await page.screenshot({ path: docsShot, fullPage: true });
      }
    } finally {
      await browser.close();
    }
  });
});
