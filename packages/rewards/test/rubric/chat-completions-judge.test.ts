import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RLError } from "@rl/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type JudgeEvent, createChatCompletionsJudge, parseRubric, rubricReward } from "../../src/index.js";
import { parseJudgeVerdict } from "../../src/rubric/index.js";

const KEY = "sk-test-SECRET-4f9c2e7a1b";
const ENV = "RL_TEST_JUDGE_KEY";
const criterion = parseRubric({ id: "r", criteria: [{ id: "correct", text: "States 4", category: "essential" }] }).criteria[0]!;

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler;
let server: Server;
let baseUrl: string;
const requests: { auth: string | undefined; body: Record<string, unknown> }[] = [];

const reply = (res: ServerResponse, content: string): void => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] }));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      requests.push({ auth: req.headers.authorization, body: JSON.parse(body || "{}") as Record<string, unknown> });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  process.env[ENV] = KEY;
});

afterAll(async () => {
  delete process.env[ENV];
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
});

const make = (events: JudgeEvent[], extra: Record<string, unknown> = {}) =>
  createChatCompletionsJudge({ baseUrl, model: "judge-1", apiKeyEnv: ENV, backoffMs: 10, maxRetries: 2, timeoutMs: 2000, onEvent: (e) => events.push(e), ...extra });

const rejection = async (p: Promise<unknown>): Promise<RLError> => {
  try {
    await p;
  } catch (e) {
    expect(RLError.isInstance(e)).toBe(true);
    return e as RLError;
  }
  throw new Error("expected a rejection");
};

describe("parseJudgeVerdict", () => {
  it("accepts exactly the verdict object", () => {
    expect(parseJudgeVerdict('{"satisfied": true}')).toBe(1);
    expect(parseJudgeVerdict(' ```json\n{"satisfied": false, "rationale": "no"}\n``` ')).toBe(0);
    for (const bad of ["yes", '{"satisfied": "yes"}', '{"satisfied": true, "score": 3}', 'Sure! {"satisfied": true}', ""]) {
      expect(() => parseJudgeVerdict(bad)).toThrow(/malformed verdict/);
    }
  });
});

describe("createChatCompletionsJudge (local chat-completions server)", () => {
  it("succeeds, sends the protocol and the key only in the header", async () => {
    handler = (_req, _body, res) => reply(res, '{"satisfied": true}');
    const events: JudgeEvent[] = [];
    expect(await make(events)("What is 2+2?", "4", criterion)).toBe(1);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.auth).toBe(`Bearer ${KEY}`);
    expect(requests[0]?.body.model).toBe("judge-1");
    expect(requests[0]?.body.temperature).toBe(0);
    const messages = requests[0]?.body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(messages[1]?.content).toContain("States 4");
    expect(JSON.stringify(events)).not.toContain(KEY);
  });

  it("times out with RLError TIMEOUT", async () => {
    handler = () => undefined; // never answers
    const events: JudgeEvent[] = [];
    const err = await rejection(make(events, { timeoutMs: 150, maxRetries: 1 })("p", "r", criterion));
    expect(err.code).toBe("TIMEOUT");
    expect(err.message).toMatch(/within 150 ms/);
    expect(requests).toHaveLength(2);
    expect(events.filter((e) => e.type === "retry")).toHaveLength(1);
  });

  it("retries a 429 (honouring backoff) then succeeds", async () => {
    let n = 0;
    handler = (_req, _body, res) => {
      n += 1;
      if (n === 1) {
        res.writeHead(429, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "rate limited" } }));
        return;
      }
      if (n === 2) {
        res.writeHead(503);
        res.end("busy");
        return;
      }
      reply(res, '{"satisfied": false}');
    };
    const events: JudgeEvent[] = [];
    expect(await make(events)("p", "r", criterion)).toBe(0);
    expect(requests).toHaveLength(3);
    expect(events.filter((e) => e.type === "retry").map((e) => e.message)).toEqual([
      expect.stringMatching(/HTTP 429.*retrying in 10 ms/),
      expect.stringMatching(/HTTP 503.*retrying in 20 ms/),
    ]);
  });

  it("gives up after maxRetries with NETWORK and does not retry other 4xx", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(500);
      res.end("boom");
    };
    const err = await rejection(make([])("p", "r", criterion));
    expect(err.code).toBe("NETWORK");
    expect(requests).toHaveLength(3);
    requests.length = 0;
    handler = (_req, _body, res) => {
      res.writeHead(401);
      res.end("bad key");
    };
    expect((await rejection(make([])("p", "r", criterion))).message).toMatch(/HTTP 401/);
    expect(requests).toHaveLength(1);
  });

  it("rejects a malformed verdict with a clear PARSE error (and rubricReward maps it to null)", async () => {
    handler = (_req, _body, res) => reply(res, "I think it is fine.");
    const err = await rejection(make([])("p", "r", criterion));
    expect(err.code).toBe("PARSE");
    expect(err.message).toMatch(/criterion "correct".*malformed verdict.*expected \{"satisfied": true\|false\}/);
    const rubric = parseRubric({ id: "r", criteria: [{ id: "correct", text: "States 4", category: "important" }, { id: "b", text: "x", category: "optional" }] });
    const out = await rubricReward("p", "r", rubric, make([]));
    expect(out.verdicts).toEqual({ correct: null, b: null });
    expect(out.reward).toBeNull();
    handler = (_req, _body, res) => {
      res.writeHead(200);
      res.end("not json");
    };
    expect((await rejection(make([])("p", "r", criterion))).message).toMatch(/not a chat completion/);
  });

  it("limits concurrency", async () => {
    let inFlight = 0;
    let peak = 0;
    handler = (_req, _body, res) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        reply(res, '{"satisfied": true}');
      }, 30);
    };
    const judge = make([], { concurrency: 2 });
    const out = await Promise.all(Array.from({ length: 6 }, () => judge("p", "r", criterion)));
    expect(out).toEqual([1, 1, 1, 1, 1, 1]);
    expect(peak).toBe(2);
  });

  it("never puts the API key in errors or logs, even when the server echoes it", async () => {
    const events: JudgeEvent[] = [];
    const logged: string[] = [];
    handler = (req, _body, res) => {
      res.writeHead(req.headers["x-n"] ? 500 : 400);
      res.end(`echo: ${req.headers.authorization ?? ""}`);
    };
    const err = await rejection(make(events)("p", "r", criterion));
    logged.push(err.message, String(err.stack), JSON.stringify(events));
    handler = (req, _body, res) => reply(res, `not a verdict ${req.headers.authorization ?? ""}`);
    const err2 = await rejection(make(events)("p", "r", criterion));
    logged.push(err2.message, String(err2.stack), JSON.stringify(events));
    handler = (req, _body, res) => {
      res.writeHead(503);
      res.end(`${req.headers.authorization ?? ""}`);
    };
    const err3 = await rejection(make(events, { maxRetries: 1 })("p", "r", criterion));
    logged.push(err3.message, JSON.stringify(events));
    for (const text of logged) expect(text).not.toContain(KEY);
    expect(logged.join("\n")).toContain("[redacted]");
    // a required key that is missing names the variable and the option, not a value
    delete process.env[ENV];
    const err4 = await rejection(make([], { apiKeyRequired: true })("p", "r", criterion));
    expect(err4.code).toBe("INVALID_CONFIG");
    expect(err4.message).toBe(`chatCompletionsJudge: apiKeyRequired is true but the environment variable ${ENV} is not set`);
    process.env[ENV] = KEY;
  });

  it("the API-key rule of every @rl client: unset → no Authorization header, empty → RLError naming apiKeyEnv, null → no key", async () => {
    handler = (_req, _body, res) => reply(res, '{"satisfied": true}');
    try {
      delete process.env[ENV];
      expect(await make([])("p", "r", criterion)).toBe(1);
      expect(requests).toHaveLength(1);
      expect(requests[0]?.auth).toBeUndefined();
      process.env[ENV] = "";
      const empty = await rejection(make([])("p", "r", criterion));
      expect(empty.code).toBe("INVALID_CONFIG");
      expect(empty.message.startsWith(`chatCompletionsJudge: the environment variable ${ENV} (apiKeyEnv) is set to an empty string`)).toBe(true);
      expect(requests).toHaveLength(1); // nothing was sent
      expect(await make([], { apiKeyEnv: null, apiKeyRequired: true })("p", "r", criterion)).toBe(1);
      expect(requests[1]?.auth).toBeUndefined();
      process.env[ENV] = KEY;
      expect(await make([], { apiKeyRequired: true })("p", "r", criterion)).toBe(1);
      expect(requests[2]?.auth).toBe(`Bearer ${KEY}`);
    } finally {
      process.env[ENV] = KEY;
    }
  });
});
