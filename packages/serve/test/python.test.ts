// Python clients as they are: OpenRLHF's remote RM client (reproduced with the standard library)
// and the verl shim from docs/serve.md, both run by Debian's python3 against a live server.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRewardServer, type RewardItem } from "../src/index.js";
import composition, { mathScore } from "./fixtures/rewards.js";
import { mathItems, packageDir, tempDir } from "./helpers.js";

const run = promisify(execFile);
const python = "/usr/bin/python3"; // Debian's, standard library only
const key = "sk-python-test";

// OpenRLHF's request_api_wrapper / remote_rm_fn_ray: the same JSON body, the same headers as
// requests.post(url, json=data, headers={"Content-Type": "application/json"}, timeout=180), five
// tries one second apart, raise_for_status, response.json(). json.dumps with allow_nan=False as
// requests does; requests' default headers (User-Agent, Accept-Encoding, Accept, Connection).
const openRlhfClient = `
import json, sys, time, urllib.request
url, payload_path = sys.argv[1], sys.argv[2]
data = json.load(open(payload_path))
def request_api_wrapper(url, data, try_max_times=5):
    headers = {"Content-Type": "application/json", "User-Agent": "python-requests/2.32.3",
               "Accept-Encoding": "gzip, deflate", "Accept": "*/*", "Connection": "keep-alive"}
    body = json.dumps(data, allow_nan=False).encode("utf-8")
    for _ in range(try_max_times):
        try:
            req = urllib.request.Request(url, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(req, timeout=180) as response:
                return json.loads(response.read())
        except Exception as e:
            print(f"Request error, please check: {e}", file=sys.stderr)
        time.sleep(1)
    raise Exception(f"Request error for {try_max_times} times, returning None. Please check the API server.")
response = request_api_wrapper(url, {"query": data["query"], "prompts": data["prompts"], "labels": data["labels"]})
assert "rewards" in response, f"rewards not in {response}"
print(json.dumps(response))
`;

describe("Python trainers' clients against the server (python3 from Debian)", () => {
  const app = createRewardServer(composition, { apiKey: key });
  const open = createRewardServer(composition);
  let url = "";
  let openUrl = "";
  const dir = tempDir();
  beforeAll(async () => {
    url = await app.listen({ port: 0, host: "127.0.0.1" });
    openUrl = await open.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await app.close();
    await open.close();
  });

  it("OpenRLHF's remote RM client: /get_reward rewards, scores and extra_logs equal the in-process rewards", async () => {
    const items = mathItems(64, 3);
    const payload = { query: items.map((x) => x.prompt + x.response), prompts: items.map((x) => x.prompt), labels: items.map((x) => x.label) };
    writeFileSync(join(dir, "payload.json"), JSON.stringify(payload));
    writeFileSync(join(dir, "openrlhf_client.py"), openRlhfClient);
    const { stdout } = await run(python, [join(dir, "openrlhf_client.py"), `${openUrl}/get_reward`, join(dir, "payload.json")], { timeout: 60_000 });
    const answer = JSON.parse(stdout) as { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> };
    const expected = items.map((x) => mathScore(x.response, x.label)!);
    expect(answer.scores).toEqual(expected);
    expect(answer.rewards).toEqual(expected.map((s) => (s - 0.5) / 0.5));
    expect(answer.extra_logs.no_signal).toEqual(expected.map(() => 0));
  });

  it("the verl shim of docs/serve.md: compute_score returns the number, or the dict with extras, from the server", async () => {
    const doc = readFileSync(join(packageDir, "..", "..", "docs", "serve.md"), "utf8");
    const shim = /```python\n(# rl_serve_shim\.py\n[\s\S]*?)```/.exec(doc)?.[1];
    expect(shim, "docs/serve.md has the shim").toBeDefined();
    expect(shim!.trim().split("\n").length).toBeLessThanOrEqual(22);
    writeFileSync(join(dir, "rl_serve_shim.py"), shim!);
    const items = mathItems(20, 5);
    const calls = items.map((x, i) => ({ data_source: i % 2 === 0 ? "openai/gsm8k" : "other", solution_str: x.response, ground_truth: x.label, extra_info: { index: i, split: "train" } }));
    writeFileSync(join(dir, "calls.json"), JSON.stringify(calls));
    // verl imports the module from custom_reward_function.path and calls compute_score per sample
    const driver = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("custom_module", sys.argv[1])
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
calls = json.load(open(sys.argv[2]))
print(json.dumps([module.compute_score(c["data_source"], c["solution_str"], c["ground_truth"], extra_info=c["extra_info"]) for c in calls]))
`;
    writeFileSync(join(dir, "verl_driver.py"), driver);
    const { stdout } = await run(python, [join(dir, "verl_driver.py"), join(dir, "rl_serve_shim.py"), join(dir, "calls.json")], {
      timeout: 60_000,
      env: { ...process.env, RL_SERVE_URL: url, RL_SERVE_API_KEY: key },
    });
    const got = JSON.parse(stdout) as unknown[];
    const expected = calls.map((c) => {
      const item: RewardItem = { query: c.solution_str, prompt: null, response: c.solution_str, label: c.ground_truth, dataSource: c.data_source, extraInfo: c.extra_info };
      if (c.data_source === "openai/gsm8k") {
        const r = composition.rewards.gsm8k(item);
        return { score: r.score, parsed: r.parsed ? 1 : 0 };
      }
      return mathScore(c.solution_str, c.ground_truth);
    });
    expect(got).toEqual(expected);
  });

  it("the shim without the key gets 401 (after its retries) and raises", async () => {
    const shimPath = join(dir, "rl_serve_shim.py");
    const code = `import importlib.util, sys\nspec = importlib.util.spec_from_file_location("m", "${shimPath}")\nm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\nm.compute_score("x", "#### 1", "1")`;
    const err = await run(python, ["-c", code], { timeout: 60_000, env: { ...process.env, RL_SERVE_URL: url, RL_SERVE_API_KEY: "" } }).catch((e: { stderr: string }) => e);
    expect((err as { stderr: string }).stderr).toContain("HTTP Error 401");
  });
});
