/**
 * What a generation records from OpenAI request bodies, responses and stream chunks. Plain
 * data in, plain data out: no `openai` import (it is an optional peer), shapes are read
 * defensively because they differ between API versions and OpenAI-compatible servers.
 */

export type Obj = Record<string, unknown>;
export type ModelParameters = Record<string, string | number | boolean | null>;

export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Request keys recorded as model parameters (`service_tier` also selects a price tier). */
const PARAMETER_KEYS = [
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "max_output_tokens",
  "frequency_penalty",
  "presence_penalty",
  "seed",
  "n",
  "stop",
  "logprobs",
  "top_logprobs",
  "reasoning_effort",
  "reasoning",
  "service_tier",
  "response_format",
  "text",
  "tool_choice",
  "parallel_tool_calls",
  "stream",
  "dimensions",
  "encoding_format",
  "user",
  "store",
  "truncation",
];

export function modelParameters(body: Obj): ModelParameters | undefined {
  let out: ModelParameters | undefined;
  for (const key of PARAMETER_KEYS) {
    const v = body[key];
    if (v === undefined) continue;
    out ??= {};
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[key] = v;
    else if (key === "response_format" && isObj(v) && typeof v.type === "string") out[key] = v.type === "json_schema" && isObj(v.json_schema) ? `json_schema:${String(v.json_schema.name)}` : v.type;
    else {
      try {
        out[key] = JSON.stringify(v);
      } catch {
        out[key] = String(v);
      }
    }
  }
  return out;
}

export type Operation = "chat" | "responses" | "embeddings" | "completions";

/** The generation's input: chat messages (with tools when given), Responses input, ... */
export function requestInput(op: Operation, body: Obj): unknown {
  switch (op) {
    case "chat":
      return body.tools !== undefined || body.functions !== undefined
        ? { messages: body.messages, tools: body.tools ?? body.functions }
        : body.messages;
    case "responses":
      return body.instructions !== undefined || body.tools !== undefined
        ? { instructions: body.instructions, input: body.input, tools: body.tools }
        : body.input;
    case "embeddings":
    case "completions":
      return body.input ?? body.prompt;
  }
}

export interface ResponseFields {
  output?: unknown;
  usage?: unknown;
  model?: string;
}

/** Output, usage and resolved model of a non-streamed response. */
export function responseFields(op: Operation, data: unknown): ResponseFields {
  if (!isObj(data)) return { output: data };
  const model = typeof data.model === "string" ? data.model : undefined;
  switch (op) {
    case "chat": {
      const choices = Array.isArray(data.choices) ? (data.choices as Obj[]) : [];
      const messages = choices.map((c) => (isObj(c) ? c.message : undefined));
      return { output: messages.length === 1 ? messages[0] : messages, usage: data.usage, model };
    }
    case "completions": {
      const choices = Array.isArray(data.choices) ? (data.choices as Obj[]) : [];
      const texts = choices.map((c) => (isObj(c) ? c.text : undefined));
      return { output: texts.length === 1 ? texts[0] : texts, usage: data.usage, model };
    }
    case "responses":
      return { output: responsesOutput(data), usage: data.usage, model };
    case "embeddings": {
      const items = Array.isArray(data.data) ? (data.data as Obj[]) : [];
      const first = items[0];
      const e = isObj(first) ? first.embedding : undefined;
      // A base64 embedding (encoding_format "base64") packs float32 values: 4 bytes each.
      const dims = Array.isArray(e) ? e.length : typeof e === "string" ? Math.floor((e.length * 3) / 4 - (e.endsWith("==") ? 2 : e.endsWith("=") ? 1 : 0)) / 4 : undefined;
      // The vectors themselves are not worth storing; their count and size are.
      return { output: { embeddings: items.length, dimensions: dims }, usage: data.usage, model };
    }
  }
}

/** A Responses API result: the assistant text when that is all there is, else the output items. */
function responsesOutput(response: Obj): unknown {
  const items = Array.isArray(response.output) ? (response.output as Obj[]) : undefined;
  if (!items) return response.output_text;
  if (items.length > 0 && items.every((i) => isObj(i) && i.type === "message")) {
    const text = typeof response.output_text === "string" ? response.output_text : textOfMessages(items);
    return { role: "assistant", content: text };
  }
  return items;
}

function textOfMessages(items: Obj[]): string {
  let text = "";
  for (const item of items) {
    if (!Array.isArray(item.content)) continue;
    for (const part of item.content as Obj[]) if (isObj(part) && typeof part.text === "string") text += part.text;
  }
  return text;
}

interface ToolCallAcc {
  id?: string;
  type: string;
  function: { name: string; arguments: string };
}
interface ChoiceAcc {
  role: string;
  content: string;
  refusal?: string;
  toolCalls: ToolCallAcc[];
  finishReason?: string;
}

/**
 * Accumulates a streamed chat completion (content, tool-call argument deltas, usage from the
 * `include_usage` chunk) into what a non-streamed response would have given.
 */
export class ChatStreamAccumulator {
  private readonly choices: ChoiceAcc[] = [];
  usage: unknown;
  model: string | undefined;

  add(chunk: unknown): void {
    if (!isObj(chunk)) return;
    if (typeof chunk.model === "string") this.model = chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    if (!Array.isArray(chunk.choices)) return;
    for (const c of chunk.choices as Obj[]) {
      if (!isObj(c)) continue;
      const index = typeof c.index === "number" ? c.index : 0;
      const acc = (this.choices[index] ??= { role: "assistant", content: "", toolCalls: [] });
      if (typeof c.finish_reason === "string") acc.finishReason = c.finish_reason;
      const delta = c.delta;
      if (!isObj(delta)) continue;
      if (typeof delta.role === "string") acc.role = delta.role;
      if (typeof delta.content === "string") acc.content += delta.content;
      if (typeof delta.refusal === "string") acc.refusal = (acc.refusal ?? "") + delta.refusal;
      if (Array.isArray(delta.tool_calls)) {
        for (const tc of delta.tool_calls as Obj[]) {
          if (!isObj(tc)) continue;
          const i = typeof tc.index === "number" ? tc.index : acc.toolCalls.length;
          const call = (acc.toolCalls[i] ??= { type: "function", function: { name: "", arguments: "" } });
          if (typeof tc.id === "string") call.id = tc.id;
          if (typeof tc.type === "string") call.type = tc.type;
          const fn = tc.function;
          if (isObj(fn)) {
            if (typeof fn.name === "string") call.function.name += fn.name;
            if (typeof fn.arguments === "string") call.function.arguments += fn.arguments;
          }
        }
      }
    }
  }

  output(): unknown {
    const messages = this.choices.filter(Boolean).map((c) => {
      const m: Obj = { role: c.role, content: c.content === "" && c.toolCalls.length ? null : c.content };
      if (c.refusal !== undefined) m.refusal = c.refusal;
      if (c.toolCalls.length) m.tool_calls = c.toolCalls.filter(Boolean);
      return m;
    });
    return messages.length === 1 ? messages[0] : messages;
  }
}

/** Accumulates a legacy completions stream. */
export class CompletionStreamAccumulator {
  private text: string[] = [];
  usage: unknown;
  model: string | undefined;
  add(chunk: unknown): void {
    if (!isObj(chunk)) return;
    if (typeof chunk.model === "string") this.model = chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    if (!Array.isArray(chunk.choices)) return;
    for (const c of chunk.choices as Obj[]) {
      if (!isObj(c)) continue;
      const i = typeof c.index === "number" ? c.index : 0;
      if (typeof c.text === "string") this.text[i] = (this.text[i] ?? "") + c.text;
    }
  }
  output(): unknown {
    return this.text.length === 1 ? this.text[0] : this.text;
  }
}

/**
 * Accumulates a Responses API event stream: the `response.completed` (or `.incomplete`)
 * event carries the whole response; until then the text deltas are what was received.
 */
export class ResponsesStreamAccumulator {
  private text = "";
  private final: Obj | undefined;
  failed: string | undefined;
  add(event: unknown): void {
    if (!isObj(event)) return;
    const type = event.type;
    if (type === "response.output_text.delta" && typeof event.delta === "string") this.text += event.delta;
    else if ((type === "response.completed" || type === "response.incomplete" || type === "response.failed") && isObj(event.response)) {
      this.final = event.response;
      if (type === "response.failed") {
        const err = event.response.error;
        this.failed = isObj(err) && typeof err.message === "string" ? err.message : "response failed";
      }
    } else if (type === "error") this.failed = typeof event.message === "string" ? event.message : "stream error";
  }
  get usage(): unknown {
    return this.final?.usage;
  }
  get model(): string | undefined {
    return typeof this.final?.model === "string" ? this.final.model : undefined;
  }
  output(): unknown {
    return this.final ? responsesOutput(this.final) : { role: "assistant", content: this.text };
  }
}

export type StreamAccumulator = ChatStreamAccumulator | CompletionStreamAccumulator | ResponsesStreamAccumulator;

export function accumulatorFor(op: Operation): StreamAccumulator {
  return op === "responses" ? new ResponsesStreamAccumulator() : op === "completions" ? new CompletionStreamAccumulator() : new ChatStreamAccumulator();
}

/** Whether a chunk carries generated content (its arrival is the completion start time). */
export function isContentChunk(op: Operation, chunk: unknown): boolean {
  if (!isObj(chunk)) return false;
  if (op === "responses") return typeof chunk.type === "string" && chunk.type.startsWith("response.output");
  return Array.isArray(chunk.choices) && chunk.choices.length > 0;
}
