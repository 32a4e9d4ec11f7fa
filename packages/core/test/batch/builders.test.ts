import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ktoBatch, preferenceBatch, promptCompletionBatch, truncateRow, type SequenceBatch } from "../../src/data/index.js";
import { Matrix, RLError, batchTensors, maskTruncatedCompletions, rolloutGroupsToBatch, rolloutTrainingBatch, tf } from "../../src/index.js";
import { charTokenizer } from "./char-tokenizer.js";

const enc = (s: string) => Array.from(s, (c) => (c.codePointAt(0) as number) + 3);

/** Row r's real tokens and its completion tokens, read back from a batch. */
function readRow(b: SequenceBatch, r: number): { all: number[]; completion: number[] } {
  const ids = b.tokenIds.row(r);
  const att = b.attentionMask.row(r);
  const loss = b.lossMask.row(r);
  const all: number[] = [];
  const completion: number[] = [];
  ids.forEach((id, t) => {
    if (att[t] === 1) all.push(id);
    if (loss[t] === 1) completion.push(id);
  });
  return { all, completion };
}

const noLimits = { maxLength: null, maxPromptLength: null };

describe("truncateRow (TRL DPOTrainer rules, hand-worked)", () => {
  const prompt = [1, 2, 3, 4];
  const completion = [5, 6, 7];
  it("maxPromptLength keeps the end of the prompt, whatever the mode", () => {
    for (const truncationMode of ["keepEnd", "keepStart"] as const) {
      expect(truncateRow(prompt, completion, { maxPromptLength: 3, maxLength: null, truncationMode })).toEqual({ promptIds: [2, 3, 4], completionIds: [5, 6, 7], truncated: true });
    }
  });
  it("maxCompletionLength keeps the start of the completion", () => {
    expect(truncateRow(prompt, completion, { maxCompletionLength: 2 })).toEqual({ promptIds: [1, 2, 3, 4], completionIds: [5, 6], truncated: true });
  });
  it("keep_end: [2,3,4]+[5,6,7] cut to 5 keeps [3,4 | 5,6,7]", () => {
    expect(truncateRow(prompt, completion, { maxLength: 5, maxPromptLength: 3 })).toEqual({ promptIds: [3, 4], completionIds: [5, 6, 7], truncated: true });
  });
  it("keep_start: [2,3,4]+[5,6,7] cut to 5 keeps [2,3,4 | 5,6]", () => {
    expect(truncateRow(prompt, completion, { maxLength: 5, maxPromptLength: 3, truncationMode: "keepStart" })).toEqual({ promptIds: [2, 3, 4], completionIds: [5, 6], truncated: true });
  });
  it("keep_start can cut the whole completion; keep_end the whole prompt", () => {
    expect(truncateRow([1, 2, 3, 4, 5, 6], [7], { maxLength: 4, maxPromptLength: null, truncationMode: "keepStart" })).toEqual({ promptIds: [1, 2, 3, 4], completionIds: [], truncated: true });
    expect(truncateRow([1, 2], [3, 4, 5, 6], { maxLength: 3 })).toEqual({ promptIds: [], completionIds: [4, 5, 6], truncated: true });
  });
  it("rows within the limits are untouched", () => {
    expect(truncateRow(prompt, completion, { maxLength: 7 })).toEqual({ promptIds: prompt, completionIds: completion, truncated: false });
  });
  it('truncationMode "error" refuses to cut, naming the limit', () => {
    expect(() => truncateRow(prompt, completion, { maxLength: 6, truncationMode: "error" }, "rows[2].chosen")).toThrow(/rows\[2\]\.chosen: prompt \+ completion has 7 tokens, more than 6/);
    expect(() => truncateRow(prompt, completion, { maxPromptLength: 2, truncationMode: "error" })).toThrow(/prompt has 4 tokens, more than 2/);
  });
  it("property: keepEnd keeps the row's suffix, keepStart its prefix, and the split point moves consistently", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { maxLength: 8 }), fc.array(fc.nat(50), { maxLength: 8 }), fc.integer({ min: 1, max: 12 }), (p, c, maxLength) => {
        const row = [...p, ...c];
        const end = truncateRow(p, c, { maxLength, maxPromptLength: null });
        const start = truncateRow(p, c, { maxLength, maxPromptLength: null, truncationMode: "keepStart" });
        expect([...end.promptIds, ...end.completionIds]).toEqual(row.slice(Math.max(0, row.length - maxLength)));
        expect([...start.promptIds, ...start.completionIds]).toEqual(row.slice(0, maxLength));
        expect(end.completionIds).toEqual(c.slice(Math.max(0, c.length - maxLength)));
        expect(start.promptIds).toEqual(p.slice(0, maxLength));
      }),
    );
  });
});

describe("preferenceBatch", () => {
  it("stacks chosen rows then rejected rows, right-padded (the TSDoc example)", () => {
    const b = preferenceBatch([{ promptIds: [1, 2], chosenIds: [3], rejectedIds: [4, 5] }]);
    expect(b.tokenIds.toArray()).toEqual([[1, 2, 3, 0], [1, 2, 4, 5]]);
    expect(b.attentionMask.toArray()).toEqual([[1, 1, 1, 0], [1, 1, 1, 1]]);
    expect(b.lossMask.toArray()).toEqual([[0, 0, 1, 0], [0, 0, 1, 1]]);
    expect(b.rowIndex).toEqual([0, 0]);
    expect(b.promptLengths).toEqual([2, 2]);
    expect(b.pairs).toBe(1);
  });

  it("standard text rows: no special tokens on the prompt, EOS after each completion", () => {
    const b = preferenceBatch([{ prompt: "2+2=", chosen: "4", rejected: "22" }], { tokenizer: charTokenizer() });
    expect(b.tokenIds.toArray()).toEqual([
      [...enc("2+2="), ...enc("4"), 2, 0],
      [...enc("2+2="), ...enc("22"), 2],
    ]);
    expect(b.lossMask.toArray()[1]).toEqual([0, 0, 0, 0, 1, 1, 1]);
  });

  it("conversational rows use the chat template: prompt with the generation prompt, completion = the rest", () => {
    const tok = charTokenizer();
    const row = { prompt: [{ role: "user", content: "hi" }], chosen: [{ role: "assistant", content: "yo" }], rejected: [{ role: "assistant", content: "no!" }] };
    const b = preferenceBatch([row], { tokenizer: tok });
    const r0 = readRow(b, 0);
    expect(tok.decode(r0.all)).toBe("<user>hi|<assistant>yo|</s>");
    expect(tok.decode(r0.completion)).toBe("yo|</s>");
    expect(tok.decode(readRow(b, 1).completion)).toBe("no!|</s>");
    expect(b.promptLengths[0]).toBe("<user>hi|<assistant>".length);
  });

  it("implicit-prompt rows are split like TRL's maybe_extract_prompt", () => {
    const b = preferenceBatch([{ chosen: "The sky is blue.", rejected: "The sky is green." }], { tokenizer: charTokenizer(), addEos: false });
    expect(b.promptLengths).toEqual([10, 10]);
    expect(charTokenizer().decode(readRow(b, 1).completion)).toBe(" green.");
  });

  it("keeps margins and names the row and field of bad input", () => {
    const tok = charTokenizer();
    const ok = { prompt: "p", chosen: "a", rejected: "b" };
    expect(preferenceBatch([ok, { ...ok, margin: 2 }], { tokenizer: tok }).margins).toEqual([null, 2]);
    const notAssistant = { prompt: [{ role: "user", content: "q" }], chosen: [{ role: "assistant", content: "a" }], rejected: [{ role: "user", content: "b" }] };
    expect(() => preferenceBatch([ok, notAssistant], { tokenizer: tok })).toThrow(/rows\[1\]\.rejected must end with an assistant turn/);
    expect(() => preferenceBatch([ok, { prompt: "x".repeat(9), chosen: "a", rejected: "b" }], { tokenizer: tok, maxLength: 5, truncationMode: "error" })).toThrow(
      /preferenceBatch: rows\[1\]\.chosen: prompt \+ completion has 11 tokens, more than 5/,
    );
    expect(() => preferenceBatch([ok], {})).toThrow(/rows\[0\]\.prompt is text; pass a tokenizer/);
    expect(() => preferenceBatch([{ promptIds: [1], chosenIds: [2, -1], rejectedIds: [3] }])).toThrow(/rows\[0\]\.chosenIds\[1\] is -1/);
    expect(() => preferenceBatch([{ ...ok, margin: Number.NaN }], { tokenizer: tok })).toThrow(/rows\[0\]\.margin/);
    expect(() => preferenceBatch([], {})).toThrow(RLError);
  });

  it("property: row identity survives (batch row r holds its input row's prompt ++ completion)", () => {
    const ids = fc.array(fc.integer({ min: 3, max: 40 }), { maxLength: 6 });
    fc.assert(
      fc.property(fc.array(fc.record({ promptIds: ids, chosenIds: ids, rejectedIds: ids }), { minLength: 1, maxLength: 5 }), (rows) => {
        const b = preferenceBatch(rows, noLimits);
        const N = rows.length;
        expect(b.tokenIds.rows).toBe(2 * N);
        for (let r = 0; r < 2 * N; r++) {
          const src = rows[b.rowIndex[r] as number] as (typeof rows)[number];
          const completion = r < N ? src.chosenIds : src.rejectedIds;
          expect(b.rowIndex[r]).toBe(r % N);
          expect(readRow(b, r)).toEqual({ all: [...src.promptIds, ...completion], completion });
        }
      }),
    );
  });
});

describe("ktoBatch", () => {
  it("appends KL rows: prompt i with the completion of row i − 1 (the TSDoc example)", () => {
    const b = ktoBatch([
      { promptIds: [1], completionIds: [5], label: true },
      { promptIds: [2], completionIds: [6, 7], label: false },
    ]);
    expect(b.tokenIds.toArray()).toEqual([[1, 5, 0], [2, 6, 7], [1, 6, 7], [2, 5, 0]]);
    expect(b.labels).toEqual([1, 0]);
    expect(b.rowIndex).toEqual([0, 1, 0, 1]);
    expect(b.completionRowIndex).toEqual([0, 1, 1, 0]);
  });
  it("needs two examples for KL rows and a boolean label", () => {
    expect(() => ktoBatch([{ promptIds: [1], completionIds: [2], label: true }])).toThrow(/at least 2 examples/);
    expect(ktoBatch([{ promptIds: [1], completionIds: [2], label: true }], { klRows: false }).tokenIds.rows).toBe(1);
    expect(() => ktoBatch([{ promptIds: [1], completionIds: [2], label: true }, { promptIds: [1], completionIds: [2], label: 1 as unknown as boolean }])).toThrow(/rows\[1\]\.label is 1/);
  });
  it("property: every row and every KL row keeps its identity", () => {
    const ids = fc.array(fc.integer({ min: 3, max: 40 }), { maxLength: 5 });
    fc.assert(
      fc.property(fc.array(fc.record({ promptIds: ids, completionIds: ids, label: fc.boolean() }), { minLength: 2, maxLength: 6 }), (rows) => {
        const b = ktoBatch(rows, noLimits);
        const N = rows.length;
        for (let r = 0; r < 2 * N; r++) {
          const p = (rows[b.rowIndex[r] as number] as (typeof rows)[number]).promptIds;
          const c = (rows[b.completionRowIndex[r] as number] as (typeof rows)[number]).completionIds;
          expect(b.completionRowIndex[r]).toBe(r < N ? r : (r - N - 1 + N) % N);
          expect(readRow(b, r)).toEqual({ all: [...p, ...c], completion: c });
        }
      }),
    );
  });
});

describe("promptCompletionBatch", () => {
  it("prompt-completion and prompt-only rows (the TSDoc example)", () => {
    const b = promptCompletionBatch([{ promptIds: [1, 2], completionIds: [3] }, { promptIds: [4] }]);
    expect(b.tokenIds.toArray()).toEqual([[1, 2, 3], [4, 0, 0]]);
    expect(b.lossMask.toArray()).toEqual([[0, 0, 1], [0, 0, 0]]);
  });
  it("property: row identity survives (prompt ++ completion, loss on the completion only)", () => {
    const ids = fc.array(fc.integer({ min: 3, max: 40 }), { maxLength: 6 });
    fc.assert(
      fc.property(fc.array(fc.record({ promptIds: ids, completionIds: ids }), { minLength: 1, maxLength: 6 }), (rows) => {
        const b = promptCompletionBatch(rows, noLimits);
        rows.forEach((r, i) => {
          expect(b.rowIndex[i]).toBe(i);
          expect(readRow(b, i)).toEqual({ all: [...r.promptIds, ...r.completionIds], completion: r.completionIds });
        });
      }),
    );
  });
  it("conversational prompt-only rows end with the generation prompt", () => {
    const tok = charTokenizer();
    const b = promptCompletionBatch([{ prompt: [{ role: "user", content: "hi" }] }, { prompt: "x", completion: "y" }], { tokenizer: tok });
    expect(tok.decode(readRow(b, 0).all)).toBe("<user>hi|<assistant>");
    expect(tok.decode(readRow(b, 1).all)).toBe("xy</s>");
    expect(() => promptCompletionBatch([{ prompt: [{ role: "user" }] }], { tokenizer: tok })).toThrow(/rows\[0\]\.prompt\[0\]/);
  });
});

describe("rolloutGroupsToBatch keeps null-reward rows", () => {
  it("row b is response b; a null outcome stays null", () => {
    const b = rolloutGroupsToBatch([
      { promptId: "a", responses: [{ tokenIds: [5, 6], reward: null }, { tokenIds: [7], reward: 1 }] },
      { promptId: "b", responses: [{ tokenIds: [8], reward: null }] },
    ]);
    expect(b.tokenIds.toArray()).toEqual([[5, 6], [7, -1], [8, -1]]);
    expect(b.outcomes).toEqual([null, 1, null]);
    expect(b.rewards.toFlatArray()).toEqual([0, 1, 0]);
    expect(b.tokenRewards.toArray()).toEqual([[0, 0], [1, 0], [0, 0]]);
    expect(b.groups).toEqual([0, 0, 1]);
    expect(b.promptIds).toEqual(["a", "b"]);
    expect(b.finishReasons).toEqual([null, null, null]);
  });
});

describe("rolloutTrainingBatch", () => {
  it("prepends each row's prompt and shifts masks, old log-probs and advantages (the TSDoc example)", () => {
    const t = rolloutTrainingBatch({
      batch: { tokenIds: [[7, 8], [9, -1]], mask: [[1, 1], [1, 0]], logProbs: [[-0.1, -0.2], [-0.3, 0]] },
      advantages: [[0.5, 0.5], [-1, 0]],
      promptTokenIds: [[1, 2], [3]],
    });
    expect(t.tokenIds.toArray()).toEqual([[1, 2, 7, 8], [3, 9, 0, 0]]);
    expect(t.attentionMask.toArray()).toEqual([[1, 1, 1, 1], [1, 1, 0, 0]]);
    expect(t.lossMask.toArray()).toEqual([[0, 0, 1, 1], [0, 1, 0, 0]]);
    expect(t.oldLogProbs.toArray()).toEqual([[0, 0, -0.1, -0.2], [0, -0.3, 0, 0]]);
    expect(t.advantages.toArray()).toEqual([[0, 0, 0.5, 0.5], [0, -1, 0, 0]]);
    expect(t.promptLengths).toEqual([2, 1]);
  });
  it("reads per-group prompts from a rolloutGroupsToBatch batch; maskUnscored clears null rows", () => {
    const batch = rolloutGroupsToBatch([
      { promptId: "a", promptTokenIds: [1], responses: [{ tokenIds: [5], reward: 1 }, { tokenIds: [6, 7], reward: null }] },
      { promptId: "b", promptTokenIds: [2, 3], responses: [{ tokenIds: [8], reward: 0 }] },
    ]);
    const adv = [[1, 0], [0, 0], [-1, 0]];
    const t = rolloutTrainingBatch({ batch, advantages: adv });
    expect(t.tokenIds.toArray()).toEqual([[1, 5, 0], [1, 6, 7], [2, 3, 8]]);
    expect(t.lossMask.toArray()).toEqual([[0, 1, 0], [0, 1, 1], [0, 0, 1]]);
    expect(rolloutTrainingBatch({ batch, advantages: adv }, { maskUnscored: true }).lossMask.toArray()[1]).toEqual([0, 0, 0]);
  });
  it("names the problem: no prompt, empty prompt, shape mismatch", () => {
    const batch = { tokenIds: [[5]], mask: [[1]] };
    expect(() => rolloutTrainingBatch({ batch, advantages: [[0]] })).toThrow(/promptTokenIds is required/);
    expect(() => rolloutTrainingBatch({ batch, advantages: [[0]], promptTokenIds: [[]] })).toThrow(/row 0 has no prompt ids/);
    expect(() => rolloutTrainingBatch({ batch, advantages: [[0, 0]], promptTokenIds: [[1]] })).toThrow(/SHAPE|shape|\[1,2\]/);
  });
  it("property: row identity survives (real tokens = prompt ++ valid completion; values follow their token)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ p: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 4 }), c: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 4 }) }), { minLength: 1, maxLength: 5 }),
        (rows) => {
          const L = Math.max(1, ...rows.map((r) => r.c.length));
          const tokenIds = rows.map((r) => [...r.c, ...new Array<number>(L - r.c.length).fill(-1)]);
          const mask = rows.map((r) => tokenIds[0]!.map((_, j) => (j < r.c.length ? 1 : 0)));
          const adv = rows.map((_, b) => tokenIds[0]!.map((_, j) => b * 10 + j + 1));
          const t = rolloutTrainingBatch({ batch: { tokenIds, mask }, advantages: adv, promptTokenIds: rows.map((r) => r.p) });
          rows.forEach((r, b) => {
            const att = t.attentionMask.row(b);
            const got = Array.from(t.tokenIds.row(b)).filter((_, k) => att[k] === 1);
            expect(got).toEqual([...r.p, ...r.c]);
            r.c.forEach((_, j) => expect(t.advantages.get(b, r.p.length + j)).toBe(b * 10 + j + 1));
          });
        },
      ),
    );
  });
});

describe("maskTruncatedCompletions", () => {
  it("clears the rows cut by the length budget (finishReasons or no EOS)", () => {
    expect(maskTruncatedCompletions({ mask: [[1, 1], [1, 1]], finishReasons: ["stop", "length"] })).toEqual({ mask: Matrix.from([[1, 1], [0, 0]]), truncated: [false, true] });
    const byEos = maskTruncatedCompletions({ mask: [[1, 1], [1, 0]], tokenIds: [[4, 2], [2, 2]] }, { eosTokenId: 2 });
    expect(byEos.truncated).toEqual([false, false]);
    expect(maskTruncatedCompletions({ mask: [[1, 1]], tokenIds: [[4, 5]] }, { eosTokenId: 2 }).mask.toArray()).toEqual([[0, 0]]);
    expect(() => maskTruncatedCompletions({ mask: [[1]] })).toThrow(/give finishReasons/);
    expect(() => maskTruncatedCompletions({ mask: [[1]], finishReasons: [] })).toThrow(/finishReasons has 0 entries, mask has 1 rows/);
  });
});

describe("batchTensors", () => {
  it("tokenIds int32, masks float32, non-Matrix fields left out, no leak", () => {
    const before = tf.memory().numTensors;
    const t = batchTensors(preferenceBatch([{ promptIds: [1], chosenIds: [2], rejectedIds: [3] }]));
    expect(t.tokenIds.dtype).toBe("int32");
    expect(t.lossMask.dtype).toBe("float32");
    expect(Object.keys(t).sort()).toEqual(["attentionMask", "lossMask", "tokenIds"]);
    expect(t.tokenIds.arraySync()).toEqual([[1, 2], [1, 3]]);
    tf.dispose(Object.values(t));
    expect(tf.memory().numTensors).toBe(before);
  });
});
