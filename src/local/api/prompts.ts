/**
 * Prompts with the server's version/label semantics (reference/langfuse-server-api.md §2):
 * versions count up per name, each label sits on at most one version, `latest` follows the
 * newest version, the default get resolves `production`, tags apply to all versions.
 */
import { randomUUID } from "node:crypto";
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import type { Json } from "../../api/types";
import type { LocalStore } from "../store";
import {
  badRequest,
  invalidData,
  invalidField,
  isPlainObject,
  nameIssues,
  notFound,
  nowIso,
  pageMeta,
  parseDate,
  parsePage,
  type Issue,
} from "./common";

export const LATEST = "latest";
export const PRODUCTION = "production";
const LABEL_RE = /^[a-z0-9_\-.]+$/;
const RESERVED_NAMES = new Set(["new", "metrics", "prompt-detail"]);
const PLACEHOLDER_NAME_RE = /^[a-zA-Z][a-zA-Z0-9_]*$/;

interface PromptRow {
  id: string;
  name: string;
  version: number;
  type: "text" | "chat";
  prompt: string;
  config: string;
  labels: string;
  tags: string;
  commit_message: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export function rowToPrompt(row: PromptRow, forGet = false): T.Prompt {
  const labels = JSON.parse(row.labels) as string[];
  const out = {
    id: row.id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    projectId: "local",
    createdBy: row.created_by,
    prompt: JSON.parse(row.prompt),
    name: row.name,
    version: row.version,
    type: row.type,
    isActive: labels.includes(PRODUCTION),
    config: JSON.parse(row.config),
    tags: JSON.parse(row.tags) as string[],
    labels,
    commitMessage: row.commit_message,
    ...(forGet ? { resolutionGraph: null } : {}),
  };
  return out as T.Prompt;
}

function labelIssues(labels: unknown, field: string): Issue[] {
  if (labels === undefined || labels === null) return [];
  if (!Array.isArray(labels)) return [{ path: [field], message: "Expected array" }];
  const issues: Issue[] = [];
  labels.forEach((l, i) => {
    if (typeof l !== "string") issues.push({ path: [field, i], message: "Expected string" });
    else if (l.length < 1 || l.length > 36 || !LABEL_RE.test(l))
      issues.push({ path: [field, i], message: "Prompt label must be 1-36 characters of lowercase letters, numbers, '_', '-' or '.'" });
  });
  return issues;
}

/** Variables `{{name}}` used in chat messages (Mustache-style, as the SDK compiles them). */
function chatVariables(messages: T.ChatMessageOrPlaceholder[]): Set<string> {
  const vars = new Set<string>();
  for (const m of messages) {
    if ("content" in m && typeof m.content === "string") {
      for (const match of m.content.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)) vars.add(match[1]!);
    }
  }
  return vars;
}

function validateCreate(body: unknown): T.CreatePromptRequest {
  if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
  const issues: Issue[] = [];
  issues.push(...nameIssues(body.name));
  if (typeof body.name === "string") {
    const n = body.name.trim();
    if (n.includes("|")) issues.push({ path: ["name"], message: "Prompt name cannot contain '|'" });
    if (RESERVED_NAMES.has(n)) issues.push({ path: ["name"], message: `Prompt name cannot be '${n}'` });
  }
  const type = body.type ?? "text";
  if (type !== "text" && type !== "chat") issues.push({ path: ["type"], message: "Expected 'text' | 'chat'" });
  if (type === "text" && typeof body.prompt !== "string") issues.push({ path: ["prompt"], message: "Expected string for a text prompt" });
  if (type === "chat") {
    if (!Array.isArray(body.prompt)) issues.push({ path: ["prompt"], message: "Expected an array of chat messages" });
    else
      body.prompt.forEach((m: unknown, i: number) => {
        if (!isPlainObject(m)) issues.push({ path: ["prompt", i], message: "Expected object" });
        else if (m.type === "placeholder") {
          if (typeof m.name !== "string" || !PLACEHOLDER_NAME_RE.test(m.name))
            issues.push({ path: ["prompt", i, "name"], message: "Placeholder name must start with a letter and contain only letters, numbers and underscores" });
        } else if (typeof m.role !== "string" || typeof m.content !== "string")
          issues.push({ path: ["prompt", i], message: "Chat message needs string 'role' and 'content'" });
      });
  }
  issues.push(...labelIssues(body.labels, "labels"));
  if (body.tags !== undefined && body.tags !== null && (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== "string")))
    issues.push({ path: ["tags"], message: "Expected an array of strings" });
  if (body.commitMessage !== undefined && body.commitMessage !== null) {
    if (typeof body.commitMessage !== "string") issues.push({ path: ["commitMessage"], message: "Expected string" });
    else if (body.commitMessage.length > 500) issues.push({ path: ["commitMessage"], message: "String must contain at most 500 character(s)" });
  }
  if (issues.length) throw invalidData(issues);
  return body as unknown as T.CreatePromptRequest;
}

// ---------------------------------------------------------------- prompt dependencies

const TAG_RE = /@@@langfusePrompt:(.*?)@@@/g;
const MAX_DEPENDENCY_DEPTH = 5;

interface DependencyRef {
  tag: string;
  name: string;
  version?: number;
  label?: string;
}

/** `name=X|label=Y` or `name=X|version=N`; a message when malformed. */
function parseDependencyTag(tag: string, inner: string): DependencyRef | string {
  const fields = new Map<string, string>();
  for (const part of inner.split("|")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return `Invalid prompt dependency tag ${tag}: expected key=value pairs`;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const name = fields.get("name");
  if (!name) return `Invalid prompt dependency tag ${tag}: name is required`;
  const label = fields.get("label");
  const version = fields.get("version");
  if ((label === undefined) === (version === undefined)) return `Invalid prompt dependency tag ${tag}: give exactly one of label or version`;
  if (version !== undefined && !/^\d+$/.test(version)) return `Invalid prompt dependency tag ${tag}: version must be an integer`;
  return { tag, name, label, version: version === undefined ? undefined : Number(version) };
}

/** The strings of a prompt that may hold dependency tags (the text, or each chat message's content). */
function contentStrings(prompt: unknown): string[] {
  if (typeof prompt === "string") return [prompt];
  if (Array.isArray(prompt)) return prompt.flatMap((m) => (isPlainObject(m) && typeof m.content === "string" ? [m.content] : []));
  return [];
}

function dependencyRefs(prompt: unknown): DependencyRef[] {
  const refs: DependencyRef[] = [];
  for (const text of contentStrings(prompt))
    for (const m of text.matchAll(TAG_RE)) {
      const ref = parseDependencyTag(m[0], m[1]!);
      if (typeof ref === "string") throw badRequest(ref);
      refs.push(ref);
    }
  return refs;
}

interface GraphNode {
  id: string;
  name: string;
  version: number;
}

function parseVersion(v: unknown): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw invalidField("version", "Expected a positive integer");
  return n;
}

type PromptsApi = LangfuseApi["prompts"];

export class LocalPrompts implements PromptsApi {
  constructor(private readonly store: LocalStore) {}

  private get db() {
    return this.store.db;
  }

  private findRef(ref: DependencyRef): PromptRow | undefined {
    return (
      ref.version !== undefined
        ? this.db.prepare("SELECT * FROM prompts WHERE name = ? AND version = ?").get(ref.name, ref.version)
        : this.db
            .prepare("SELECT * FROM prompts WHERE name = ? AND EXISTS (SELECT 1 FROM json_each(prompts.labels) WHERE value = ?) ORDER BY version DESC")
            .get(ref.name, ref.label)
    ) as PromptRow | undefined;
  }

  /**
   * Replaces dependency tags in `text` with the referenced text prompts, recursively. `stack`
   * holds the names on the current path (cycles are 400s), `graph` collects the edges.
   */
  private resolveText(text: string, parent: GraphNode, stack: string[], graph: Record<string, GraphNode[]>): string {
    return text.replace(TAG_RE, (tag: string, inner: string) => {
      const ref = parseDependencyTag(tag, inner);
      if (typeof ref === "string") throw badRequest(ref);
      if (stack.includes(ref.name)) throw badRequest(`Circular dependency detected: ${[...stack, ref.name].join(" -> ")}`);
      if (stack.length >= MAX_DEPENDENCY_DEPTH) throw badRequest(`Prompt dependencies are nested deeper than ${MAX_DEPENDENCY_DEPTH} levels`);
      const row = this.findRef(ref);
      if (!row) throw badRequest(`Prompt dependency not found: ${ref.name} with ${ref.version !== undefined ? `version ${ref.version}` : `label '${ref.label}'`}`);
      if (row.type !== "text") throw badRequest(`Prompt dependency ${ref.name} must be a text prompt`);
      const node: GraphNode = { id: row.id, name: row.name, version: row.version };
      (graph[parent.id] ??= []).push(node);
      return this.resolveText(JSON.parse(row.prompt) as string, node, [...stack, ref.name], graph);
    });
  }

  /** The prompt content with dependencies resolved, and the graph (null without dependencies). */
  private resolveContent(row: PromptRow): { prompt: unknown; graph: Json | null } {
    const prompt = JSON.parse(row.prompt) as unknown;
    if (!row.prompt.includes("@@@langfusePrompt:")) return { prompt, graph: null };
    const root: GraphNode = { id: row.id, name: row.name, version: row.version };
    const dependencies: Record<string, GraphNode[]> = {};
    const resolve = (text: string) => this.resolveText(text, root, [row.name], dependencies);
    const resolved =
      typeof prompt === "string"
        ? resolve(prompt)
        : (prompt as unknown[]).map((m) => (isPlainObject(m) && typeof m.content === "string" ? { ...m, content: resolve(m.content) } : m));
    return { prompt: resolved, graph: { root, dependencies } as unknown as Json };
  }

  private versions(name: string): PromptRow[] {
    return this.db.prepare("SELECT * FROM prompts WHERE name = ? ORDER BY version DESC").all(name) as PromptRow[];
  }

  private setLabels(id: string, labels: string[], now: string): void {
    this.db.prepare("UPDATE prompts SET labels = ?, updated_at = ? WHERE id = ?").run(JSON.stringify(labels), now, id);
  }

  /** Removes `labels` from every version of `name` except `keepId`. */
  private removeLabelsElsewhere(name: string, keepId: string, labels: string[], now: string): void {
    for (const row of this.versions(name)) {
      if (row.id === keepId) continue;
      const current = JSON.parse(row.labels) as string[];
      const next = current.filter((l) => !labels.includes(l));
      if (next.length !== current.length) this.setLabels(row.id, next, now);
    }
  }

  createSync(input: T.CreatePromptRequest): T.Prompt {
    const body = validateCreate(input);
    const name = body.name.trim();
    const type = body.type ?? "text";
    if (type === "chat") {
      const msgs = body.prompt as T.ChatMessageOrPlaceholder[];
      const placeholders = msgs.filter((m): m is T.ChatPlaceholder => (m as T.ChatPlaceholder).type === "placeholder").map((m) => m.name);
      const vars = chatVariables(msgs);
      const clash = placeholders.filter((p) => vars.has(p));
      if (clash.length)
        throw badRequest(`Prompt variables and placeholders must be unique. Conflicting names: ${clash.join(", ")}`);
    }
    return this.store.transaction(() => {
      const existing = this.versions(name);
      const latest = existing[0];
      // Dependencies must resolve now (missing, non-text, circular or too deep → 400).
      if (dependencyRefs(body.prompt).length) {
        const probe: GraphNode = { id: "new", name, version: (latest?.version ?? 0) + 1 };
        for (const text of contentStrings(body.prompt)) this.resolveText(text, probe, [name], {});
      }
      if (latest && latest.type !== type)
        throw badRequest("Previous versions have different prompt type. Create a new prompt with a different name.");
      const now = nowIso();
      const labels = [...new Set([...(body.labels ?? []), LATEST])];
      const tags = body.tags ?? (latest ? (JSON.parse(latest.tags) as string[]) : []);
      const row: PromptRow = {
        id: randomUUID(),
        name,
        version: (latest?.version ?? 0) + 1,
        type,
        prompt: JSON.stringify(body.prompt),
        config: JSON.stringify(body.config ?? {}),
        labels: JSON.stringify(labels),
        tags: JSON.stringify([...new Set(tags)]),
        commit_message: body.commitMessage ?? null,
        created_by: "API",
        created_at: now,
        updated_at: now,
      };
      this.db
        .prepare(
          `INSERT INTO prompts (id, name, version, type, prompt, config, labels, tags, commit_message, created_by, created_at, updated_at)
           VALUES (@id, @name, @version, @type, @prompt, @config, @labels, @tags, @commit_message, @created_by, @created_at, @updated_at)`,
        )
        .run(row);
      this.removeLabelsElsewhere(name, row.id, labels, now);
      if (body.tags) this.db.prepare("UPDATE prompts SET tags = ? WHERE name = ?").run(row.tags, name);
      return rowToPrompt(row);
    });
  }

  async create(body: T.CreatePromptRequest): Promise<T.Prompt> {
    return this.createSync(body);
  }

  getSync(name: string, query: T.GetPromptQuery = {}): T.Prompt {
    const version = parseVersion(query.version);
    const label = query.label === undefined || query.label === null || query.label === "" ? undefined : String(query.label);
    if (version !== undefined && label !== undefined) throw badRequest("Cannot specify both version and label");
    let row: PromptRow | undefined;
    if (version !== undefined) {
      row = this.db.prepare("SELECT * FROM prompts WHERE name = ? AND version = ?").get(name, version) as PromptRow | undefined;
      if (!row) throw notFound(`Prompt not found: '${name}' with version ${version}`);
    } else {
      const l = label ?? PRODUCTION;
      row = this.db
        .prepare("SELECT * FROM prompts WHERE name = ? AND EXISTS (SELECT 1 FROM json_each(prompts.labels) WHERE value = ?) ORDER BY version DESC")
        .get(name, l) as PromptRow | undefined;
      if (!row) throw notFound(`Prompt not found: '${name}' with label '${l}'`);
    }
    const resolved = this.resolveContent(row);
    return { ...rowToPrompt(row, true), prompt: resolved.prompt, resolutionGraph: resolved.graph } as T.Prompt;
  }

  async get(name: string, query?: T.GetPromptQuery): Promise<T.Prompt> {
    return this.getSync(name, query);
  }

  async list(query: T.ListPromptsQuery = {}): Promise<T.Paginated<T.PromptMeta>> {
    const page = parsePage(query, 10);
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.name) (where.push("name = ?"), args.push(query.name));
    if (query.label) (where.push("EXISTS (SELECT 1 FROM json_each(prompts.labels) WHERE value = ?)"), args.push(query.label));
    if (query.tag) (where.push("EXISTS (SELECT 1 FROM json_each(prompts.tags) WHERE value = ?)"), args.push(query.tag));
    const from = parseDate(query.fromUpdatedAt, "fromUpdatedAt");
    const to = parseDate(query.toUpdatedAt, "toUpdatedAt");
    if (from) (where.push("updated_at >= ?"), args.push(from.toISOString()));
    if (to) (where.push("updated_at < ?"), args.push(to.toISOString()));
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const total = (this.db.prepare(`SELECT COUNT(DISTINCT name) AS n FROM prompts ${filter}`).get(...args) as { n: number }).n;
    const names = (
      this.db.prepare(`SELECT DISTINCT name FROM prompts ${filter} ORDER BY name LIMIT ? OFFSET ?`).all(...args, page.limit, page.offset) as { name: string }[]
    ).map((r) => r.name);
    const data: T.PromptMeta[] = names.map((name) => {
      const rows = this.db
        .prepare(`SELECT * FROM prompts ${filter ? `${filter} AND name = ?` : "WHERE name = ?"} ORDER BY version DESC`)
        .all(...args, name) as PromptRow[];
      const labels = new Set<string>();
      for (const r of rows) for (const l of JSON.parse(r.labels) as string[]) labels.add(l);
      return {
        name,
        type: rows[0]!.type,
        versions: rows.map((r) => r.version).sort((a, b) => a - b),
        labels: [...labels],
        tags: JSON.parse(rows[0]!.tags) as string[],
        lastUpdatedAt: rows.reduce((m, r) => (r.updated_at > m ? r.updated_at : m), rows[0]!.updated_at),
        lastConfig: JSON.parse(rows[0]!.config),
      };
    });
    return { data, meta: pageMeta(page, total) };
  }

  async updateLabels(name: string, version: number, newLabels: string[]): Promise<T.Prompt> {
    const v = parseVersion(version);
    if (!Array.isArray(newLabels) || newLabels.some((l) => typeof l !== "string"))
      throw invalidField("newLabels", "Expected an array of strings");
    if (newLabels.includes(LATEST)) throw invalidField("newLabels", "Label 'latest' is always assigned to the latest prompt version");
    return this.store.transaction(() => {
      const row = this.db.prepare("SELECT * FROM prompts WHERE name = ? AND version = ?").get(name, v) as PromptRow | undefined;
      if (!row) throw notFound(`Prompt '${name}' version ${v} not found in project`);
      const now = nowIso();
      const labels = [...new Set([...(JSON.parse(row.labels) as string[]), ...newLabels])];
      this.setLabels(row.id, labels, now);
      this.removeLabelsElsewhere(name, row.id, newLabels, now);
      return rowToPrompt({ ...row, labels: JSON.stringify(labels), updated_at: now });
    });
  }

  /** 400 when another prompt refers to a version or label that the deletion would remove. */
  private assertNoDependents(name: string, doomed: PromptRow[], all: PromptRow[]): void {
    const remaining = all.filter((r) => !doomed.includes(r));
    const goneVersions = new Set(doomed.map((r) => r.version));
    const remainingLabels = new Set(remaining.flatMap((r) => JSON.parse(r.labels) as string[]));
    const others = this.db
      .prepare("SELECT name, version, prompt FROM prompts WHERE name != ? AND prompt LIKE '%@@@langfusePrompt:%'")
      .all(name) as { name: string; version: number; prompt: string }[];
    const dependents: string[] = [];
    for (const o of others) {
      for (const ref of dependencyRefs(JSON.parse(o.prompt))) {
        if (ref.name !== name) continue;
        const broken = ref.version !== undefined ? goneVersions.has(ref.version) : !remainingLabels.has(ref.label!);
        if (broken) dependents.push(`${o.name} v${o.version}`);
      }
    }
    if (dependents.length)
      throw badRequest(`Prompt ${name} cannot be deleted: other prompts depend on it (${[...new Set(dependents)].join(", ")})`);
  }

  async delete(name: string, query: T.GetPromptQuery = {}): Promise<void> {
    const version = parseVersion(query.version);
    const label = query.label || undefined;
    if (version !== undefined && label !== undefined) throw badRequest("Cannot specify both version and label");
    this.store.transaction(() => {
      const all = this.versions(name);
      const doomed = all.filter((r) =>
        version !== undefined ? r.version === version : label !== undefined ? (JSON.parse(r.labels) as string[]).includes(label) : true,
      );
      if (doomed.length === 0) throw notFound("Prompt not found");
      this.assertNoDependents(name, doomed, all);
      const del = this.db.prepare("DELETE FROM prompts WHERE id = ?");
      for (const r of doomed) del.run(r.id);
      const hadLatest = doomed.some((r) => (JSON.parse(r.labels) as string[]).includes(LATEST));
      const remaining = all.filter((r) => !doomed.includes(r));
      if (hadLatest && remaining.length) {
        const top = remaining[0]!;
        const labels = JSON.parse(top.labels) as string[];
        if (!labels.includes(LATEST)) this.setLabels(top.id, [...labels, LATEST], nowIso());
      }
    });
  }
}
