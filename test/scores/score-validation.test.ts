import { validateScore } from "../../src/scores/score-validation";
import type { CreateScoreInput } from "../../src/tracing/score-port";

const T = "0123456789abcdef0123456789abcdef";

function issues(input: Partial<CreateScoreInput>): string[] {
  const r = validateScore(input as CreateScoreInput);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe("validateScore (the server's request rules, client-side)", () => {
  it("accepts each data type with a matching value", () => {
    expect(issues({ name: "n", value: 0.5, dataType: "NUMERIC", traceId: T })).toEqual([]);
    expect(issues({ name: "c", value: "good", dataType: "CATEGORICAL", traceId: T })).toEqual([]);
    expect(issues({ name: "b", value: 1, dataType: "BOOLEAN", traceId: T })).toEqual([]);
    expect(issues({ name: "t", value: "free text", dataType: "TEXT", sessionId: "s1" })).toEqual([]);
    expect(issues({ name: "x", value: 3, datasetRunId: "run-1" })).toEqual([]);
  });

  it("turns a boolean value into a BOOLEAN 0/1 score", () => {
    const r = validateScore({ name: "ok", value: true, traceId: T });
    expect(r).toEqual({ ok: true, body: { name: "ok", value: 1, dataType: "BOOLEAN", traceId: T } });
    const f = validateScore({ name: "ok", value: false, dataType: "BOOLEAN", traceId: T });
    expect(f.ok && f.body.value).toBe(0);
    expect(issues({ name: "ok", value: true, dataType: "NUMERIC", traceId: T })).toEqual(["value: a boolean value needs dataType BOOLEAN, not NUMERIC"]);
  });

  it("rejects BOOLEAN values other than 0 and 1", () => {
    expect(issues({ name: "b", value: 2, dataType: "BOOLEAN", traceId: T })).toEqual([
      "value: must be a number equal to either 0 or 1 (or a boolean) for data type BOOLEAN",
    ]);
    expect(issues({ name: "b", value: -1, dataType: "BOOLEAN", traceId: T })).toHaveLength(1);
    expect(issues({ name: "b", value: "1", dataType: "BOOLEAN", traceId: T })).toHaveLength(1);
  });

  it("rejects values of the wrong type for the declared data type", () => {
    expect(issues({ name: "n", value: "0.5", dataType: "NUMERIC", traceId: T })).toEqual(["value: must be a finite number for data type NUMERIC"]);
    expect(issues({ name: "n", value: Number.NaN, traceId: T })).toEqual(["value: must be a finite number or a string"]);
    expect(issues({ name: "c", value: 1, dataType: "CATEGORICAL", traceId: T })).toEqual(["value: must be a string for data type CATEGORICAL"]);
    expect(issues({ name: "t", value: "x".repeat(501), dataType: "TEXT", traceId: T })).toHaveLength(1);
    expect(issues({ name: "x", value: 1, dataType: "PERCENT" as never, traceId: T })[0]).toMatch(/^dataType: must be one of/);
  });

  it("requires exactly one target, and observationId only with traceId", () => {
    expect(issues({ name: "x", value: 1 })).toEqual(["traceId: provide exactly one of: traceId (with optional observationId), sessionId or datasetRunId"]);
    expect(issues({ name: "x", value: 1, traceId: T, sessionId: "s" })).toHaveLength(1);
    expect(issues({ name: "x", value: 1, sessionId: "s", datasetRunId: "r" })).toHaveLength(1);
    expect(issues({ name: "x", value: 1, observationId: "0123456789abcdef" })).toEqual(["observationId: requires traceId"]);
    expect(issues({ name: "x", value: 1, traceId: T, observationId: "0123456789abcdef" })).toEqual([]);
  });

  it("requires a name and reports every problem at once", () => {
    expect(issues({ name: "", value: "v", dataType: "NUMERIC" })).toEqual([
      "name: must be a non-empty string",
      "value: must be a finite number for data type NUMERIC",
      "traceId: provide exactly one of: traceId (with optional observationId), sessionId or datasetRunId",
    ]);
  });

  it("keeps only defined fields in the wire body", () => {
    const r = validateScore({ name: "n", value: 1, traceId: T, comment: undefined, metadata: { a: 1 }, configId: null, environment: "ci" });
    expect(r).toEqual({ ok: true, body: { name: "n", value: 1, traceId: T, metadata: { a: 1 }, environment: "ci" } });
  });
});
