import { existsSync, mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { runDemo } from "../src/demo.js";

// Debian's chromium (installed by .ci/run). Outside CI the test is skipped when it is missing;
// in CI a missing browser is a failure.
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveBrowser = existsSync(executablePath);
const docsShot = new URL("../../docs/images/demo-report.png", import.meta.url).pathname;
const fullReport = new URL("../../out/demo/report.html", import.meta.url).pathname;

describe.runIf(haveBrowser || process.env.CI === "true")("report.html in headless Chromium", () => {
  it("renders every plot without a console error", async () => {
    expect(haveBrowser, `no browser at ${executablePath}`).toBe(true);
    const out = mkdtempSync(join(tmpdir(), "rl-report-"));
    await runDemo({ quick: true, verbose: false, out, seed: 7 });
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
      await page.goto(pathToFileURL(join(out, "report.html")).href);
      await page.waitForLoadState("load");
      const plots = await page.$$eval("div.plot", (divs) => divs.map((d) => ({ id: d.id, svg: d.querySelector(".main-svg") !== null })));
      expect(plots.length).toBeGreaterThanOrEqual(7); // 6 curves + the TEMPO heatmap
      for (const p of plots) expect(p.svg, `plot ${p.id} did not render`).toBe(true);
      expect(errors).toEqual([]);
      if (process.env.RL_SCREENSHOT === "1") {
        // The docs show the default run's report (`pnpm demo` writes out/demo/report.html), not
        // this quick one: run the demo first, then this test with RL_SCREENSHOT=1.
        expect(existsSync(fullReport), `RL_SCREENSHOT=1 needs ${fullReport}: run pnpm demo first`).toBe(true);
        await page.goto(pathToFileURL(fullReport).href);
        await page.waitForLoadState("load");
        expect(errors).toEqual([]);
        mkdirSync(join(docsShot, ".."), { recursive: true });
        await page.screenshot({ path: docsShot, fullPage: true });
      }
    } finally {
      await browser.close();
    }
  }, 300_000);
});
