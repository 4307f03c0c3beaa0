/**
 * Prompt clients: one fetched (or fallback) prompt version with `compile()` and
 * `getLangchainPrompt()`. Immutable; the cache shares one instance between all callers.
 * Templates are parsed once, on first use, and kept on the instance.
 */
import type { ChatMessage, ChatMessageOrPlaceholder, ChatPlaceholder, Prompt } from "../api/types";
import { LangfuseValidationError } from "../errors";
import { logger } from "../logger";
import { escapeLangchainLiteral, parsedToLangchain } from "./langchain";
import { type ParsedTemplate, type PromptVariables, parseTemplate, renderTemplate, stringifyTemplateValue } from "./template";

export type PromptType = "text" | "chat";

/** A prompt's `config`: arbitrary JSON object versioned with the prompt (model, temperature, ...). */
export type PromptConfig = Record<string, unknown>;

/** Values for chat placeholders: each is a list of messages inserted at the placeholder. */
export type PromptPlaceholders = Readonly<Record<string, readonly ChatMessage[]>>;

/** `compile()` output of a chat prompt: messages, plus any placeholder that was not resolved. */
export type CompiledChatPrompt = Array<ChatMessage | ChatPlaceholder>;

/** A LangChain chat template entry: `[role, template]`, or `["placeholder", "{name}"]`. */
export type LangchainChatMessage = [role: string, template: string];

/** The JSON form of a prompt client (`JSON.stringify(client)` uses it). */
export interface PromptClientJson {
  name: string;
  version: number;
  type: PromptType;
  prompt: string | ChatMessageOrPlaceholder[];
  config: PromptConfig;
  labels: string[];
  tags: string[];
  commitMessage: string | null;
  isFallback: boolean;
}

/** What every prompt client carries. Also the shape generations accept to link a prompt. */
abstract class BasePromptClient {
  readonly name: string;
  readonly version: number;
  readonly config: PromptConfig;
  readonly labels: readonly string[];
  readonly tags: readonly string[];
  readonly commitMessage: string | null;
  /** True when this is the caller's fallback (the fetch failed and nothing was cached). Never linked to traces. */
  readonly isFallback: boolean;
  abstract readonly type: PromptType;

  protected constructor(source: Omit<Prompt, "type" | "prompt">, isFallback: boolean) {
    this.name = source.name;
    this.version = source.version;
    this.config = isPlainObject(source.config) ? (source.config as PromptConfig) : {};
    this.labels = Object.freeze([...(source.labels ?? [])]);
    this.tags = Object.freeze([...(source.tags ?? [])]);
    this.commitMessage = source.commitMessage ?? null;
    this.isFallback = isFallback;
  }

  /** Variable names in the template(s), in order, duplicates kept (placeholders excluded). */
  abstract get variables(): string[];

  abstract toJSON(): PromptClientJson;

  protected baseJson(): Omit<PromptClientJson, "prompt" | "type"> {
    return {
      name: this.name,
      version: this.version,
      config: this.config,
      labels: [...this.labels],
      tags: [...this.tags],
      commitMessage: this.commitMessage,
      isFallback: this.isFallback,
    };
  }
}

export class TextPromptClient extends BasePromptClient {
  readonly type = "text" as const;
  readonly prompt: string;
  private parsedTemplate: ParsedTemplate | undefined;

  constructor(source: Omit<Prompt, "type" | "prompt"> & { prompt: string }, isFallback = false) {
    super(source, isFallback);
    if (typeof source.prompt !== "string") {
      throw new LangfuseValidationError(`Text prompt '${source.name}' must have a string prompt, got ${describe(source.prompt)}`);
    }
    this.prompt = source.prompt;
  }

  private get parsed(): ParsedTemplate {
    return (this.parsedTemplate ??= parseTemplate(this.prompt));
  }

  get variables(): string[] {
    return this.parsed.names.slice();
  }

  /** Replaces `{{name}}` markers (see template.ts for the exact rules). */
  compile(variables?: PromptVariables): string {
    return renderTemplate(this.parsed, variables);
  }

  /**
   * A LangChain `PromptTemplate` string: `{{var}}` → `{var}`, JSON braces escaped. Variables
   * given here are substituted first (as literal text); the others stay LangChain variables.
   */
  getLangchainPrompt(variables?: PromptVariables): string {
    return parsedToLangchain(this.parsed, variables);
  }

  toJSON(): PromptClientJson {
    return { ...this.baseJson(), type: this.type, prompt: this.prompt };
  }
}

/** A template message, parsed once. `extras` are fields besides role/content (kept on output). */
interface MessageSlot {
  kind: "message";
  role: string;
  content: unknown;
  parsed: ParsedTemplate | undefined;
  extras: Record<string, unknown> | undefined;
}
interface PlaceholderSlot {
  kind: "placeholder";
  name: string;
}
type Slot = MessageSlot | PlaceholderSlot;

export class ChatPromptClient extends BasePromptClient {
  readonly type = "chat" as const;
  /** Messages (`{ role, content }`) and placeholders (`{ type: "placeholder", name }`). */
  readonly prompt: ChatMessageOrPlaceholder[];
  private readonly slots: Slot[];

  constructor(source: Omit<Prompt, "type" | "prompt"> & { prompt: readonly ChatMessageOrPlaceholder[] }, isFallback = false) {
    super(source, isFallback);
    if (!Array.isArray(source.prompt)) {
      throw new LangfuseValidationError(`Chat prompt '${source.name}' must have a list of messages, got ${describe(source.prompt)}`);
    }
    this.prompt = [];
    this.slots = [];
    source.prompt.forEach((item, index) => {
      if (!isPlainObject(item)) {
        throw new LangfuseValidationError(`Chat prompt '${source.name}': item ${index} must be a message or a placeholder, got ${describe(item)}`);
      }
      if (item.type === "placeholder") {
        const name = (item as unknown as ChatPlaceholder).name;
        if (typeof name !== "string" || name.length === 0) {
          throw new LangfuseValidationError(`Chat prompt '${source.name}': placeholder ${index} needs a non-empty name`);
        }
        this.prompt.push({ type: "placeholder", name });
        this.slots.push({ kind: "placeholder", name });
        return;
      }
      // A message; the wire may tag it `type: "chatmessage"` (JS SDK) or `"message"`: dropped.
      const { type: _type, role, content, ...extras } = item as ChatMessage & { type?: unknown };
      if (typeof role !== "string") {
        throw new LangfuseValidationError(`Chat prompt '${source.name}': message ${index} needs a string role`);
      }
      const hasExtras = Object.keys(extras).length > 0;
      this.prompt.push(hasExtras ? { role, content, ...extras } : { role, content: content as string });
      this.slots.push({ kind: "message", role, content, parsed: undefined, extras: hasExtras ? extras : undefined });
    });
  }

  get variables(): string[] {
    const names: string[] = [];
    for (const slot of this.slots) {
      if (slot.kind === "message" && typeof slot.content === "string") names.push(...parsedOf(slot).names);
    }
    return names;
  }

  /** Names of the placeholders, in order. */
  get placeholderNames(): string[] {
    return this.slots.filter((s): s is PlaceholderSlot => s.kind === "placeholder").map((s) => s.name);
  }

  /**
   * Compiles every template message's content, and replaces each placeholder with the messages
   * given for it in `placeholders`:
   *  - an empty list removes the placeholder;
   *  - inserted messages are copied with all their fields (tool_calls, name, ...) and their text
   *    is NEVER template-expanded (it is user data, not a template);
   *  - a placeholder without a value stays in the output as `{ type: "placeholder", name }`,
   *    with one warning naming all of them.
   * A malformed placeholder value never throws (compile runs in request paths), as in the
   * Python SDK's ChatPromptClient.compile; each case warns once per prompt version and
   * placeholder:
   *  - a value that is not a list is inserted as one `{ role: "NOT_GIVEN", content }` message,
   *    `content` being the value as text by the template value rule (strings as they are,
   *    numbers/booleans via String, objects as JSON, null as "");
   *  - a list element that is not an object becomes `{ role: "NOT_GIVEN", content }` with that
   *    element as text (Python appends the whole list as text for each such element; we do not
   *    repeat it);
   *  - a message without a string `role` gets role `"NOT_GIVEN"`, and one without `content`
   *    gets `""` (as Python's `msg.get("role", "NOT_GIVEN")` / `msg.get("content", "")`).
   * `getLangchainPrompt()` applies the same rule.
   */
  compile(variables?: PromptVariables, placeholders?: PromptPlaceholders): CompiledChatPrompt {
    const out: CompiledChatPrompt = [];
    let unresolved: string[] | undefined;
    const slots = this.slots;
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s];
      if (slot.kind === "message") {
        const content = typeof slot.content === "string" ? renderTemplate(parsedOf(slot), variables) : slot.content;
        out.push(slot.extras === undefined ? { role: slot.role, content: content as string } : { ...slot.extras, role: slot.role, content: content as string });
        continue;
      }
      const value = placeholderValue(placeholders, slot.name);
      if (value === undefined) {
        out.push({ type: "placeholder", name: slot.name });
        (unresolved ??= []).push(slot.name);
        continue;
      }
      const messages = placeholderMessages(this, slot.name, value);
      for (let i = 0; i < messages.length; i++) out.push({ ...messages[i] });
    }
    if (unresolved !== undefined) warnUnresolved(this, unresolved);
    return out;
  }

  /**
   * LangChain `ChatPromptTemplate.fromMessages` input: `[role, template]` tuples, with
   * `{{var}}` → `{var}` and JSON braces escaped; unresolved placeholders become
   * `["placeholder", "{name}"]` (a MessagesPlaceholder). Variables given here are substituted
   * first; messages given for placeholders are inserted with their text escaped so it prints
   * literally.
   */
  getLangchainPrompt(variables?: PromptVariables, placeholders?: PromptPlaceholders): LangchainChatMessage[] {
    const out: LangchainChatMessage[] = [];
    for (const slot of this.slots) {
      if (slot.kind === "message") {
        out.push([slot.role, typeof slot.content === "string" ? parsedToLangchain(parsedOf(slot), variables) : escapeLangchainLiteral(JSON.stringify(slot.content) ?? "")]);
        continue;
      }
      const value = placeholderValue(placeholders, slot.name);
      if (value === undefined) {
        out.push(["placeholder", `{${slot.name}}`]);
        continue;
      }
      for (const message of placeholderMessages(this, slot.name, value)) {
        const text = typeof message.content === "string" ? message.content : (JSON.stringify(message.content) ?? "");
        out.push([message.role, escapeLangchainLiteral(text)]);
      }
    }
    return out;
  }

  toJSON(): PromptClientJson {
    return { ...this.baseJson(), type: this.type, prompt: this.prompt.map((m) => ({ ...m })) };
  }
}

export type PromptClient = TextPromptClient | ChatPromptClient;

/** Builds the right client for a prompt from the API. */
export function promptClientFromApi(prompt: Prompt, isFallback = false): PromptClient {
  if (prompt.type === "chat") return new ChatPromptClient(prompt, isFallback);
  return new TextPromptClient(prompt as Prompt & { prompt: string }, isFallback);
}

function parsedOf(slot: MessageSlot): ParsedTemplate {
  return (slot.parsed ??= parseTemplate(slot.content as string));
}

function placeholderValue(placeholders: PromptPlaceholders | undefined, name: string): unknown {
  if (placeholders === undefined || placeholders === null) return undefined;
  return Object.prototype.hasOwnProperty.call(placeholders, name) ? (placeholders as Record<string, unknown>)[name] : undefined;
}

/** Role given to placeholder content that is not a proper chat message (the Python SDK's). */
export const NOT_GIVEN_ROLE = "NOT_GIVEN";

/**
 * The messages to insert for a placeholder value; never throws (see ChatPromptClient.compile).
 * Well-formed messages are returned as they are (callers copy them).
 */
function placeholderMessages(prompt: ChatPromptClient, name: string, value: unknown): readonly ChatMessage[] {
  const where = `Placeholder '${name}' of prompt '${prompt.name}'`;
  const warn = (kind: string, message: string) => logger.warnOnce(`prompt-placeholder:${prompt.name}:${prompt.version}:${name}:${kind}`, message);
  if (!Array.isArray(value)) {
    warn("not-list", `${where} must contain a list of chat messages, got ${describe(value)}; appended as one '${NOT_GIVEN_ROLE}' message`);
    return [{ role: NOT_GIVEN_ROLE, content: stringifyTemplateValue(value) }];
  }
  let out: ChatMessage[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const message: unknown = value[i];
    let fixed: ChatMessage | undefined;
    if (!isPlainObject(message)) {
      warn("not-message", `${where} should contain a list of chat messages with 'role' and 'content' fields; item ${i} (${describe(message)}) appended as a '${NOT_GIVEN_ROLE}' message`);
      fixed = { role: NOT_GIVEN_ROLE, content: stringifyTemplateValue(message) };
    } else if (typeof message.role !== "string" || message.content === undefined) {
      if (typeof message.role !== "string") warn("no-role", `${where}: item ${i} has no string 'role'; it gets role '${NOT_GIVEN_ROLE}'`);
      fixed = {
        ...message,
        role: typeof message.role === "string" ? message.role : NOT_GIVEN_ROLE,
        content: (message.content === undefined ? "" : message.content) as string,
      };
    }
    if (fixed !== undefined) out ??= value.slice(0, i) as ChatMessage[];
    if (out !== undefined) out.push(fixed ?? (message as ChatMessage));
  }
  return out ?? (value as readonly ChatMessage[]);
}

function warnUnresolved(prompt: ChatPromptClient, names: string[]): void {
  // One warning per prompt version and set of names: compile() sits on hot paths.
  logger.warnOnce(
    `prompt-unresolved:${prompt.name}:${prompt.version}:${names.join(",")}`,
    `Placeholders [${names.map((n) => `'${n}'`).join(", ")}] of prompt '${prompt.name}' were not resolved; pass them as the second argument of compile()`,
  );
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
