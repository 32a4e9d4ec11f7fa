import { z } from "zod";
import * as z3 from "zod/v3";
import * as zm from "zod/mini";
import { describe, expect, it } from "vitest";
import { assertZod4Schema, createRegistry, defineDefinition, isZod4Schema, parseConfig, RLError } from "../../src/index.js";

const base = { kind: "reward-function", name: "acme/len", version: "1.0.0", specVersion: "v1", create: () => () => 0 } as const;

function thrown(f: () => unknown): RLError {
  try {
    f();
  } catch (e) {
    if (e instanceof RLError) return e;
    throw new Error(`expected an RLError, got ${String(e)}`);
  }
  throw new Error("expected a throw");
}

describe("foreign schemas are rejected loudly (zod 3, non-schemas)", () => {
  it("isZod4Schema tells zod 4 (classic and mini) from zod 3 and plain values", () => {
    expect(isZod4Schema(z.object({ a: z.number() }))).toBe(true);
    expect(isZod4Schema(zm.object({ a: zm.number() }))).toBe(true);
    expect(isZod4Schema(z3.z.object({ a: z3.z.number() }))).toBe(false);
    expect(isZod4Schema({ safeParse: () => ({ success: true }) })).toBe(false);
    expect(isZod4Schema(null)).toBe(false);
  });

  it("defineDefinition throws INVALID_CONFIG with the fix for a zod 3 schema", () => {
    const e = thrown(() =>
      defineDefinition({ ...base, configSchema: z3.z.object({ per: z3.z.number().default(1) }) as unknown as z.ZodType }),
    );
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.message).toMatch(/defineDefinition: acme\/len: the config schema is a zod 3 schema/);
    expect(e.message).toMatch(/import \{ z \} from "zod\/v4"/);
  });

  it("the registry rejects a definition that bypassed defineDefinition with a zod 3 or a missing schema", () => {
    const r = createRegistry();
    const zod3 = { ...base, configSchema: z3.z.object({}) as unknown as z.ZodType };
    expect(thrown(() => r.register(zod3)).message).toMatch(/registry.register: acme\/len: the config schema is a zod 3 schema/);
    const none = { ...base, configSchema: undefined as unknown as z.ZodType };
    expect(thrown(() => r.register(none)).message).toMatch(/the config schema is undefined/);
    expect(r.list()).toEqual([]);
  });

  it("parseConfig rejects a zod 3 schema instead of ignoring a misspelt key", () => {
    const schema = z3.z.object({ beta: z3.z.number().default(0.1) }) as unknown as z.ZodType;
    expect(thrown(() => parseConfig(schema, { betta: 1 }, "myLoss")).code).toBe("INVALID_CONFIG");
    expect(() => assertZod4Schema(z.number(), "x")).not.toThrow();
  });

  it("a zod/mini object schema rejects unknown keys too, and keeps defaults", () => {
    const schema = zm.object({ beta: zm._default(zm.number(), 0.1) });
    expect(parseConfig(schema as unknown as z.ZodType, {}, "myLoss")).toEqual({ beta: 0.1 });
    const e = thrown(() => parseConfig(schema as unknown as z.ZodType, { betta: 1 }, "myLoss"));
    expect(e.message).toBe('myLoss: invalid config: unrecognized key "betta"');
    const r = createRegistry().register(defineDefinition({ ...base, configSchema: schema as unknown as z.ZodType }));
    expect(() => r.create("reward-function", "acme/len", { bta: 2 })).toThrow(/unrecognized key "bta"/);
  });
});
