/**
 * Observation and trace input/output (reference/langfuse-server-api.md §8.5): the Langfuse keys,
 * then the Vercel AI SDK, span events, MLflow/Traceloop/`input.value`, flattened message lists
 * and the GenAI message keys, in the server's order.
 */
import type { IngestAttributes, IngestSpan } from "../span";
import { first, ioText, isSet, parseMaybeJson, type V } from "./attribute-values";

export interface SpanIo {
  input?: string;
  output?: string;
}

function genAiMessages(a: IngestAttributes, key: string, withSystem: boolean): V {
  let v: V = a[key];
  if (!isSet(v)) return undefined;
  if (withSystem && isSet(a["gen_ai.system_instructions"])) {
    let msgs: unknown = v;
    if (typeof v === "string") {
      try {
        msgs = JSON.parse(v);
      } catch {
        return v;
      }
    }
    if (Array.isArray(msgs) && !msgs.some((m) => (m as { role?: unknown })?.role === "system")) {
      let sys: unknown = a["gen_ai.system_instructions"];
      if (typeof sys === "string") {
        try {
          sys = JSON.parse(sys);
        } catch {
          // plain text instructions
        }
      }
      v = JSON.stringify([{ role: "system", content: sys }, ...msgs]);
    }
  }
  return v;
}

/** At most this many slots are rebuilt from flattened `prefix.N.field` keys (the server's bound). */
const MAX_FLATTENED_SLOTS = 10_001;

/**
 * `prefix.N.field[.sub]` keys → `[{field: value}, …]` (JSON text), as OpenLLMetry
 * (`gen_ai.prompt.0.role`) and OpenInference (`llm.input_messages.0.message.content`) send
 * messages. `strip` drops a fixed segment after the index ("message.").
 */
function unflattenIndexed(a: IngestAttributes, prefix: string, strip = ""): string | undefined {
  const slots: Record<string, unknown>[] = [];
  const head = prefix + ".";
  let any = false;
  for (const k in a) {
    if (!k.startsWith(head)) continue;
    const rest = k.slice(head.length);
    const dot = rest.indexOf(".");
    if (dot <= 0) continue;
    const index = Number(rest.slice(0, dot));
    if (!Number.isInteger(index) || index < 0 || index >= MAX_FLATTENED_SLOTS) continue;
    let field = rest.slice(dot + 1);
    if (strip && field.startsWith(strip)) field = field.slice(strip.length);
    if (!field) continue;
    (slots[index] ??= {})[field] = a[k];
    any = true;
  }
  if (!any) return undefined;
  return JSON.stringify(slots.filter((x) => x !== undefined));
}

const EVENT_ROLES: Record<string, string> = {
  "gen_ai.system.message": "system",
  "gen_ai.user.message": "user",
  "gen_ai.assistant.message": "assistant",
  "gen_ai.tool.message": "tool",
};


/** IO carried by span events (OTel GenAI semantic conventions, §8.5 items 5 and 6). */
function eventIo(span: IngestSpan): SpanIo | undefined {
  const events = span.events;
  if (!events || events.length === 0) return undefined;
  for (const e of events) {
    if (e.name !== "gen_ai.client.inference.operation.details") continue;
    const i = e.attributes["gen_ai.input.messages"];
    const o = e.attributes["gen_ai.output.messages"];
    if (isSet(i) || isSet(o)) return { input: ioText(i), output: ioText(o) };
  }
  const input: unknown[] = [];
  const choices: unknown[] = [];
  for (const e of events) {
    const role = EVENT_ROLES[e.name];
    if (role) {
      const msg: Record<string, unknown> = { role };
      for (const [k, v] of Object.entries(e.attributes)) if (k !== "gen_ai.system") msg[k] = parseMaybeJson(v);
      input.push(msg);
    } else if (e.name === "gen_ai.choice") {
      const choice: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(e.attributes)) choice[k] = parseMaybeJson(v);
      choices.push(choice);
    }
  }
  if (!input.length && !choices.length) return undefined;
  return {
    input: input.length ? JSON.stringify(input) : undefined,
    output: choices.length ? JSON.stringify(choices.length === 1 ? choices[0] : choices) : undefined,
  };
}

export function extractIo(span: IngestSpan, domain: "observation" | "trace", foreign = true): SpanIo {
  const a = span.attributes;
  if (domain === "trace") return { input: ioText(a["langfuse.trace.input"]), output: ioText(a["langfuse.trace.output"]) };
  const lfIn = a["langfuse.observation.input"];
  const lfOut = a["langfuse.observation.output"];
  if (isSet(lfIn) || isSet(lfOut)) return { input: ioText(lfIn), output: ioText(lfOut) };
  if (!foreign) return {};
  const pair = (i: V, o: V) => (isSet(i) || isSet(o) ? { input: ioText(i), output: ioText(o) } : undefined);
  let r: SpanIo | undefined;
  if (span.scope.name === "ai") {
    const input = first(a, ["ai.prompt.messages", "ai.prompt", "ai.toolCall.args"]);
    let output: V;
    if (isSet(a["ai.response.text"]) && isSet(a["ai.response.toolCalls"])) {
      let calls: unknown = a["ai.response.toolCalls"];
      if (typeof calls === "string") {
        try {
          calls = JSON.parse(calls);
        } catch {
          // keep raw
        }
      }
      output = JSON.stringify({ role: "assistant", content: a["ai.response.text"], tool_calls: calls });
    } else
      output = first(a, [
        "ai.response.text",
        "ai.result.text",
        "ai.toolCall.result",
        "ai.response.object",
        "ai.result.object",
        "ai.response.toolCalls",
        "ai.result.toolCalls",
      ]);
    r = pair(input, output);
    if (r) return r;
  }
  r = eventIo(span);
  if (r) return r;
  for (const [i, o] of [
    ["mlflow.spanInputs", "mlflow.spanOutputs"],
    ["traceloop.entity.input", "traceloop.entity.output"],
    ["input.value", "output.value"],
    ["input", "output"],
  ] as const) {
    r = pair(a[i], a[o]);
    if (r) return r;
  }
  r = pair(unflattenIndexed(a, "gen_ai.prompt"), unflattenIndexed(a, "gen_ai.completion"));
  if (r) return r;
  r = pair(unflattenIndexed(a, "llm.input_messages", "message."), unflattenIndexed(a, "llm.output_messages", "message."));
  if (r) return r;
  r = pair(genAiMessages(a, "gen_ai.input.messages", true), genAiMessages(a, "gen_ai.output.messages", false));
  if (r) return r;
  return pair(a["gen_ai.tool.call.arguments"], a["gen_ai.tool.call.result"]) ?? {};
}
