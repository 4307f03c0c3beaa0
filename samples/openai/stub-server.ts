/**
 * A small OpenAI-compatible HTTP server on 127.0.0.1 (random port): chat completions (plain,
 * streamed with `stream_options.include_usage`, tool calls), the Responses API (plain and
 * streamed), embeddings and legacy completions, with deterministic answers and usage. A user
 * message containing `ERROR:<status>` answers with that status and an OpenAI error body;
 * `LONG_STREAM` streams 200 chunks (for early-abandon tests). Used by the OpenAI sample, its
 * tests and the bench, so none of them needs a key or the network.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StubServer {
  /** `http://127.0.0.1:<port>/v1`, the `baseURL` for `new OpenAI({ baseURL, apiKey })`. */
  baseURL: string;
  /** Requests received, in order (path and parsed body). */
  requests: { path: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

type Body = Record<string, unknown>;

const CHAT_USAGE = {
  prompt_tokens: 12,
  completion_tokens: 5,
  total_tokens: 17,
  prompt_tokens_details: { cached_tokens: 2, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 1, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};
const RESPONSES_USAGE = {
  input_tokens: 20,
  input_tokens_details: { cached_tokens: 4 },
  output_tokens: 6,
  output_tokens_details: { reasoning_tokens: 2 },
  total_tokens: 26,
};

function lastUserText(body: Body): string {
  const messages = Array.isArray(body.messages) ? (body.messages as Body[]) : [];
  const last = messages[messages.length - 1];
  if (last && typeof last.content === "string") return last.content;
  if (typeof body.input === "string") return body.input;
  if (Array.isArray(body.input)) return JSON.stringify(body.input);
  return typeof body.prompt === "string" ? body.prompt : "";
}

function sendJson(res: ServerResponse, status: number, data: unknown): void {
  const text = JSON.stringify(data);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "x-request-id": "req_stub_1" });
  res.end(text);
}

function sse(res: ServerResponse): (data: unknown, event?: string) => void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": "req_stub_1" });
  return (data, event) => {
    if (res.destroyed) return;
    res.write((event ? `event: ${event}\n` : "") + `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

async function chat(body: Body, res: ServerResponse): Promise<void> {
  const model = String(body.model ?? "gpt-4o-mini");
  const created = 1_700_000_000;
  const wantsTool = Array.isArray(body.tools) && body.tools.length > 0 && !(Array.isArray(body.messages) && (body.messages as Body[]).some((m) => m.role === "tool"));
  const toolCall = { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };
  const text = `Echo: ${lastUserText(body)}`.slice(0, 200);
  if (body.stream !== true) {
    const message = wantsTool ? { role: "assistant", content: null, tool_calls: [toolCall], refusal: null } : { role: "assistant", content: text, refusal: null };
    sendJson(res, 200, {
      id: "chatcmpl-stub",
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message, finish_reason: wantsTool ? "tool_calls" : "stop", logprobs: null }],
      usage: CHAT_USAGE,
      system_fingerprint: "fp_stub",
    });
    return;
  }
  const send = sse(res);
  const base = { id: "chatcmpl-stub", object: "chat.completion.chunk", created, model, system_fingerprint: "fp_stub" };
  const long = lastUserText(body).includes("LONG_STREAM");
  send({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] });
  if (wantsTool) {
    send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }] }, finish_reason: null }] });
    send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, finish_reason: null }] });
    send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, finish_reason: null }] });
  } else {
    const parts = long ? Array.from({ length: 200 }, (_, i) => `w${i} `) : ["Echo: ", lastUserText(body)];
    for (const p of parts) {
      if (res.destroyed) return;
      send({ ...base, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] });
      await tick();
    }
  }
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: wantsTool ? "tool_calls" : "stop" }] });
  const opts = body.stream_options as Body | undefined;
  if (opts?.include_usage) send({ ...base, choices: [], usage: CHAT_USAGE });
  send("[DONE]");
  res.end();
}

function responseObject(body: Body, text: string, status = "completed"): Body {
  return {
    id: "resp_stub",
    object: "response",
    created_at: 1_700_000_000,
    status,
    model: String(body.model ?? "gpt-4o-mini"),
    output: status === "in_progress" ? [] : [{ type: "message", id: "msg_stub", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] }],
    usage: status === "completed" ? RESPONSES_USAGE : null,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    metadata: {},
    parallel_tool_calls: true,
    temperature: body.temperature ?? 1,
    tool_choice: "auto",
    tools: [],
    top_p: 1,
  };
}

async function responses(body: Body, res: ServerResponse): Promise<void> {
  const text = `Echo: ${lastUserText(body)}`.slice(0, 200);
  if (body.stream !== true) {
    sendJson(res, 200, responseObject(body, text));
    return;
  }
  const send = sse(res);
  let seq = 0;
  const ev = (type: string, data: Body) => send({ type, sequence_number: seq++, ...data }, type);
  ev("response.created", { response: responseObject(body, "", "in_progress") });
  ev("response.output_item.added", { output_index: 0, item: { type: "message", id: "msg_stub", status: "in_progress", role: "assistant", content: [] } });
  ev("response.content_part.added", { item_id: "msg_stub", output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } });
  for (const delta of ["Echo: ", lastUserText(body)]) {
    ev("response.output_text.delta", { item_id: "msg_stub", output_index: 0, content_index: 0, delta });
    await tick();
  }
  ev("response.output_text.done", { item_id: "msg_stub", output_index: 0, content_index: 0, text });
  ev("response.content_part.done", { item_id: "msg_stub", output_index: 0, content_index: 0, part: { type: "output_text", text, annotations: [] } });
  ev("response.output_item.done", { output_index: 0, item: (responseObject(body, text).output as Body[])[0] });
  ev("response.completed", { response: responseObject(body, text) });
  res.end();
}

function embeddings(body: Body, res: ServerResponse): void {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  sendJson(res, 200, {
    object: "list",
    model: String(body.model ?? "text-embedding-3-small"),
    data: inputs.map((_, index) => {
      const vector = Array.from({ length: 8 }, (_, i) => (i + index) / 10);
      // The SDK asks for base64 (packed float32) unless the caller chose a format.
      const embedding = body.encoding_format === "base64" ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
      return { object: "embedding", index, embedding };
    }),
    usage: { prompt_tokens: 4 * inputs.length, total_tokens: 4 * inputs.length },
  });
}

function completions(body: Body, res: ServerResponse): void {
  sendJson(res, 200, {
    id: "cmpl-stub",
    object: "text_completion",
    created: 1_700_000_000,
    model: String(body.model ?? "gpt-3.5-turbo-instruct"),
    choices: [{ index: 0, text: `Echo: ${lastUserText(body)}`, finish_reason: "stop", logprobs: null }],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, log: StubServer["requests"]): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  let body: Body = {};
  try {
    body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Body) : {};
  } catch {
    return sendJson(res, 400, { error: { message: "invalid JSON body", type: "invalid_request_error", code: null } });
  }
  const path = (req.url ?? "").split("?")[0]!.replace(/^\/v1/, "");
  log.push({ path, body });
  const err = /ERROR:(\d{3})/.exec(lastUserText(body));
  if (err) {
    const status = Number(err[1]);
    return sendJson(res, status, { error: { message: `stub error ${status}`, type: status === 429 ? "rate_limit_error" : "invalid_request_error", code: `stub_${status}`, param: null } });
  }
  if (req.method !== "POST") return sendJson(res, 404, { error: { message: "not found", type: "invalid_request_error" } });
  if (path === "/chat/completions") return chat(body, res);
  if (path === "/responses") return responses(body, res);
  if (path === "/embeddings") return embeddings(body, res);
  if (path === "/completions") return completions(body, res);
  return sendJson(res, 404, { error: { message: `unknown path ${path}`, type: "invalid_request_error" } });
}

export async function startOpenAIStub(): Promise<StubServer> {
  const requests: StubServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    handle(req, res, requests).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(e), type: "server_error" } });
      else res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
