import { RLError } from "../errors.js";
import { describeValue } from "../validate.js";

/** The two options of every `@rl` HTTP client that decide its API key (see {@link resolveApiKey}). */
export interface ApiKeyOptions {
  /** Name of the environment variable holding the key, read at call time; `null` = never send a key. */
  readonly apiKeyEnv: string | null;
  /** Throw when the variable is unset instead of sending no `Authorization` header. */
  readonly apiKeyRequired: boolean;
}

/**
 * The API key of an OpenAI-compatible server, read from the environment at call time. The one rule
 * of every `@rl` HTTP client (`collectRollouts`, `createChatCompletionsJudge`,
 * `createChatCompletionsGenerativeJudge`):
 *
 * - `apiKeyEnv: null`: no key, no `Authorization` header.
 * - the variable is unset: no `Authorization` header (local vLLM, SGLang or llama.cpp servers need
 *   none), unless `apiKeyRequired: true`, which throws `RLError("INVALID_CONFIG")` naming the
 *   variable and `apiKeyRequired`.
 * - the variable is set to an empty (or blank) string: `RLError("INVALID_CONFIG")` naming the
 *   variable and `apiKeyEnv`, never a silent request without a key.
 * - otherwise the key, sent as `Authorization: Bearer <key>` and redacted from every message.
 *
 * `env` defaults to `process.env` (an empty object where there is no `process`).
 * @example
 * resolveApiKey("collectRollouts", { apiKeyEnv: "MY_KEY", apiKeyRequired: false }, { MY_KEY: "sk-1" }); // "sk-1"
 * resolveApiKey("collectRollouts", { apiKeyEnv: "MY_KEY", apiKeyRequired: false }, {}); // undefined
 * resolveApiKey("collectRollouts", { apiKeyEnv: "MY_KEY", apiKeyRequired: true }, {}); // throws INVALID_CONFIG "collectRollouts: apiKeyRequired is true but the environment variable MY_KEY is not set"
 * resolveApiKey("collectRollouts", { apiKeyEnv: "MY_KEY", apiKeyRequired: false }, { MY_KEY: "" }); // throws INVALID_CONFIG "collectRollouts: the environment variable MY_KEY (apiKeyEnv) is set to an empty string; set it to the key, unset it for a server without authentication, or pass apiKeyEnv: null"
 */
export function resolveApiKey(fn: string, options: ApiKeyOptions, env?: Readonly<Record<string, string | undefined>>): string | undefined {
  if (typeof options !== "object" || options === null) {
    throw new RLError("INVALID_INPUT", `${fn}: API-key options must be { apiKeyEnv, apiKeyRequired }, got ${describeValue(options)}`);
  }
  const { apiKeyEnv, apiKeyRequired } = options;
  if (apiKeyEnv === null) return undefined;
  if (typeof apiKeyEnv !== "string") throw new RLError("INVALID_CONFIG", `${fn}: apiKeyEnv must be an environment variable name or null, got ${describeValue(apiKeyEnv)}`);
  if (env !== undefined && (typeof env !== "object" || env === null)) {
    throw new RLError("INVALID_INPUT", `${fn}: env must be an object of environment variables, got ${describeValue(env)}`);
  }
  const vars = env ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const key: unknown = vars[apiKeyEnv];
  if (key !== undefined && typeof key !== "string") {
    throw new RLError("INVALID_CONFIG", `${fn}: the environment variable ${apiKeyEnv} (apiKeyEnv) must hold a string, got ${describeValue(key)}`);
  }
  if (key === undefined) {
    if (apiKeyRequired) {
      throw new RLError("INVALID_CONFIG", `${fn}: apiKeyRequired is true but the environment variable ${apiKeyEnv} is not set`);
    }
    return undefined;
  }
  if (key.trim() === "") {
    throw new RLError(
      "INVALID_CONFIG",
      `${fn}: the environment variable ${apiKeyEnv} (apiKeyEnv) is set to an empty string; set it to the key, unset it for a server without authentication, or pass apiKeyEnv: null`,
    );
  }
  return key;
}
