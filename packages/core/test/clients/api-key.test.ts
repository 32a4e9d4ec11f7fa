import { describe, expect, it } from "vitest";
import { RLError } from "../../src/index.js";
import { resolveApiKey } from "../../src/clients/index.js";

const opts = (apiKeyEnv: string | null, apiKeyRequired = false) => ({ apiKeyEnv, apiKeyRequired });
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return RLError.isInstance(e) ? `${e.code}: ${e.message}` : String(e);
  }
  return undefined;
};

describe("resolveApiKey: one rule for every @rl HTTP client", () => {
  it("returns the key when the variable holds one, with or without apiKeyRequired", () => {
    expect(resolveApiKey("f", opts("K"), { K: "sk-1" })).toBe("sk-1");
    expect(resolveApiKey("f", opts("K", true), { K: "sk-1" })).toBe("sk-1");
  });

  it("an unset variable means no key (a local server), unless apiKeyRequired", () => {
    expect(resolveApiKey("f", opts("K"), {})).toBeUndefined();
    expect(code(() => resolveApiKey("f", opts("K", true), {}))).toBe("INVALID_CONFIG: f: apiKeyRequired is true but the environment variable K is not set");
  });

  it("an empty or blank variable throws, naming the variable and apiKeyEnv, whatever apiKeyRequired says", () => {
    for (const value of ["", "  ", "\n"]) {
      for (const required of [false, true]) {
        expect(code(() => resolveApiKey("g", opts("K", required), { K: value }))).toMatch(/^INVALID_CONFIG: g: the environment variable K \(apiKeyEnv\) is set to an empty string; /);
      }
    }
  });

  it("apiKeyEnv null never reads the environment", () => {
    expect(resolveApiKey("f", opts(null, true), { K: "" })).toBeUndefined();
  });

  it("reads process.env by default", () => {
    process.env.RL_TEST_RESOLVE_KEY = "sk-env";
    try {
      expect(resolveApiKey("f", opts("RL_TEST_RESOLVE_KEY"))).toBe("sk-env");
    } finally {
      delete process.env.RL_TEST_RESOLVE_KEY;
    }
    expect(resolveApiKey("f", opts("RL_TEST_RESOLVE_KEY"))).toBeUndefined();
  });
});

describe("resolveApiKey: malformed arguments are RLErrors naming the field (found by pnpm fuzz)", () => {
  it("null options, a non-string apiKeyEnv, a non-object env, a non-string value", () => {
    const rl = (f: () => unknown, re: RegExp) => {
      expect(f).toThrow(RLError);
      expect(f).toThrow(re);
    };
    rl(() => resolveApiKey("f", null as never), /^f: API-key options must be \{ apiKeyEnv, apiKeyRequired \}, got null/);
    rl(() => resolveApiKey("f", { apiKeyEnv: 3 as never, apiKeyRequired: false }), /^f: apiKeyEnv must be an environment variable name or null, got 3/);
    rl(() => resolveApiKey("f", { apiKeyEnv: "K", apiKeyRequired: false }, 7 as never), /^f: env must be an object of environment variables, got 7/);
    rl(() => resolveApiKey("f", { apiKeyEnv: "K", apiKeyRequired: false }, { K: -0 as never }), /^f: the environment variable K \(apiKeyEnv\) must hold a string, got/);
    expect(resolveApiKey("f", { apiKeyEnv: "K", apiKeyRequired: false }, { K: "sk" })).toBe("sk");
  });
});
