/**
 * Comments (/api/public/comments) and annotation queues with their items and assignments
 * (/api/public/annotation-queues), with the server's validation and messages.
 */
import { randomUUID } from "node:crypto";
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import type * as V4 from "../../api/types-v4";
import type { LocalStore } from "../store";
import { inClause, invalidData, isPlainObject, notFound, nowIso, pageMeta, parsePage, type Issue } from "./common";
import { PROJECT_ID } from "./datasets";

const COMMENT_OBJECT_TYPES = ["TRACE", "OBSERVATION", "SESSION", "PROMPT"];
const QUEUE_OBJECT_TYPES = ["TRACE", "OBSERVATION", "SESSION"];
const QUEUE_STATUSES = ["PENDING", "COMPLETED"];

interface CommentRow {
  id: string;
  object_type: V4.CommentObjectType;
  object_id: string;
  content: string;
  author_user_id: string | null;
  created_at: string;
  updated_at: string;
}

interface QueueRow {
  id: string;
  name: string;
  description: string | null;
  score_config_ids: string;
  created_at: string;
  updated_at: string;
}

interface QueueItemRow {
  id: string;
  queue_id: string;
  object_id: string;
  object_type: V4.AnnotationQueueObjectType;
  status: V4.AnnotationQueueStatus;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
}

const toComment = (r: CommentRow): V4.Comment => ({
  id: r.id,
  projectId: PROJECT_ID,
  objectType: r.object_type,
  objectId: r.object_id,
  content: r.content,
  authorUserId: r.author_user_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toQueue = (r: QueueRow): V4.AnnotationQueue => ({
  id: r.id,
  name: r.name,
  description: r.description,
  scoreConfigIds: JSON.parse(r.score_config_ids) as string[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toItem = (r: QueueItemRow): V4.AnnotationQueueItem => ({
  id: r.id,
  queueId: r.queue_id,
  objectId: r.object_id,
  objectType: r.object_type,
  status: r.status,
  completedAt: r.completed_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const enumMessage = (values: string[]) => `Invalid enum value. Expected ${values.map((v) => `'${v}'`).join(" | ")}`;

export class LocalCommentsAndQueues {
  constructor(private readonly store: LocalStore) {}

  private get db() {
    return this.store.db;
  }

  /** Whether the object a comment or queue item points at exists in this project. */
  private objectExists(type: string, id: string): boolean {
    const sql: Record<string, string> = {
      TRACE: "SELECT 1 FROM traces WHERE id = ?",
      OBSERVATION: "SELECT 1 FROM observations WHERE id = ?",
      SESSION: "SELECT 1 FROM traces WHERE session_id = ? LIMIT 1",
      PROMPT: "SELECT 1 FROM prompts WHERE id = ?",
    };
    return this.db.prepare(sql[type]!).get(id) !== undefined;
  }

  createComment(body: unknown): { id: string } {
    if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
    const issues: Issue[] = [];
    const allowed = new Set(["projectId", "content", "objectId", "objectType", "authorUserId", "objectStartTime"]);
    for (const k of Object.keys(body)) if (!allowed.has(k)) issues.push({ path: [], message: `Unrecognized key(s) in object: '${k}'` });
    if (typeof body.projectId !== "string") issues.push({ path: ["projectId"], message: "Required" });
    const content = typeof body.content === "string" ? body.content.trim() : undefined;
    if (content === undefined) issues.push({ path: ["content"], message: "Required" });
    else if (content.length < 1 || content.length > 5000) issues.push({ path: ["content"], message: "String must contain between 1 and 5000 character(s)" });
    if (typeof body.objectId !== "string") issues.push({ path: ["objectId"], message: "Required" });
    if (!COMMENT_OBJECT_TYPES.includes(String(body.objectType))) issues.push({ path: ["objectType"], message: enumMessage(COMMENT_OBJECT_TYPES) });
    if (body.authorUserId !== undefined && body.authorUserId !== null && typeof body.authorUserId !== "string") issues.push({ path: ["authorUserId"], message: "Expected string" });
    if (issues.length) throw invalidData(issues);
    if (body.projectId !== PROJECT_ID) throw notFound(`No project with id ${String(body.projectId)}; the local server has one project, "${PROJECT_ID}"`);
    const objectType = body.objectType as V4.CommentObjectType;
    const objectId = body.objectId as string;
    if (!this.objectExists(objectType, objectId)) throw notFound(`No ${objectType.toLowerCase()} with id ${objectId} in project ${PROJECT_ID}`);
    const now = nowIso();
    const id = randomUUID();
    this.store.transaction(() =>
      this.db
        .prepare("INSERT INTO comments (id, object_type, object_id, content, author_user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(id, objectType, objectId, content, (body.authorUserId as string | null | undefined) ?? null, now, now),
    );
    return { id };
  }

  getComment(id: string): V4.Comment {
    const row = this.db.prepare("SELECT * FROM comments WHERE id = ?").get(id) as CommentRow | undefined;
    if (!row) throw notFound("Comment not found within authorized project");
    return toComment(row);
  }

  listComments(query: V4.ListCommentsQuery = {}): T.Paginated<V4.Comment> {
    const page = parsePage(query);
    if (query.objectId && !query.objectType) throw invalidData([{ path: ["objectType"], message: "objectType is required when objectId is provided" }]);
    if (query.objectType && !COMMENT_OBJECT_TYPES.includes(query.objectType)) throw invalidData([{ path: ["objectType"], message: enumMessage(COMMENT_OBJECT_TYPES) }]);
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.objectType) (where.push("object_type = ?"), args.push(query.objectType));
    if (query.objectId) (where.push("object_id = ?"), args.push(query.objectId));
    if (query.authorUserId) (where.push("author_user_id = ?"), args.push(query.authorUserId));
    const w = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM comments ${w}`).get(...args) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM comments ${w} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`).all(...args, page.limit, page.offset) as CommentRow[];
    return { data: rows.map(toComment), meta: pageMeta(page, total) };
  }

  // ------------------------------------------------------------------ queues

  private queueRow(queueId: string): QueueRow {
    const row = this.db.prepare("SELECT * FROM annotation_queues WHERE id = ?").get(queueId) as QueueRow | undefined;
    if (!row) throw notFound("Annotation queue not found");
    return row;
  }

  listQueues(query?: T.PageQuery): T.Paginated<V4.AnnotationQueue> {
    const page = parsePage(query);
    const total = (this.db.prepare("SELECT COUNT(*) AS n FROM annotation_queues").get() as { n: number }).n;
    const rows = this.db.prepare("SELECT * FROM annotation_queues ORDER BY created_at DESC, id LIMIT ? OFFSET ?").all(page.limit, page.offset) as QueueRow[];
    return { data: rows.map(toQueue), meta: pageMeta(page, total) };
  }

  createQueue(body: unknown): V4.AnnotationQueue {
    if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
    const issues: Issue[] = [];
    if (typeof body.name !== "string" || body.name.trim().length === 0) issues.push({ path: ["name"], message: "String must contain at least 1 character(s)" });
    if (body.description !== undefined && body.description !== null && typeof body.description !== "string") issues.push({ path: ["description"], message: "Expected string" });
    if (!Array.isArray(body.scoreConfigIds) || body.scoreConfigIds.some((c) => typeof c !== "string"))
      issues.push({ path: ["scoreConfigIds"], message: "Expected array of strings" });
    if (issues.length) throw invalidData(issues);
    const configIds = body.scoreConfigIds as string[];
    if (configIds.length) {
      const found = (this.db.prepare(`SELECT COUNT(*) AS n FROM score_configs WHERE id IN (${inClause(configIds.length)})`).get(...configIds) as { n: number }).n;
      if (found !== new Set(configIds).size) throw invalidData([{ path: ["scoreConfigIds"], message: "At least one of the provided score config ids does not exist in this project" }]);
    }
    const name = (body.name as string).trim();
    if (this.db.prepare("SELECT 1 FROM annotation_queues WHERE name = ?").get(name)) throw invalidData([{ path: ["name"], message: `An annotation queue named ${name} already exists` }]);
    const now = nowIso();
    const row: QueueRow = { id: randomUUID(), name, description: (body.description as string | null | undefined) ?? null, score_config_ids: JSON.stringify(configIds), created_at: now, updated_at: now };
    this.store.transaction(() =>
      this.db
        .prepare("INSERT INTO annotation_queues (id, name, description, score_config_ids, created_at, updated_at) VALUES (@id, @name, @description, @score_config_ids, @created_at, @updated_at)")
        .run(row),
    );
    return toQueue(row);
  }

  getQueue(queueId: string): V4.AnnotationQueue {
    return toQueue(this.queueRow(queueId));
  }

  listItems(queueId: string, query: T.PageQuery & { status?: V4.AnnotationQueueStatus } = {}): T.Paginated<V4.AnnotationQueueItem> {
    this.queueRow(queueId);
    const page = parsePage(query);
    if (query.status !== undefined && !QUEUE_STATUSES.includes(query.status)) throw invalidData([{ path: ["status"], message: enumMessage(QUEUE_STATUSES) }]);
    const where = ["queue_id = ?"];
    const args: unknown[] = [queueId];
    if (query.status) (where.push("status = ?"), args.push(query.status));
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM annotation_queue_items WHERE ${where.join(" AND ")}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM annotation_queue_items WHERE ${where.join(" AND ")} ORDER BY created_at ASC, id LIMIT ? OFFSET ?`)
      .all(...args, page.limit, page.offset) as QueueItemRow[];
    return { data: rows.map(toItem), meta: pageMeta(page, total) };
  }

  createItem(queueId: string, body: unknown): V4.AnnotationQueueItem {
    this.queueRow(queueId);
    if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
    const issues: Issue[] = [];
    if (typeof body.objectId !== "string" || body.objectId.length === 0) issues.push({ path: ["objectId"], message: "Required" });
    if (!QUEUE_OBJECT_TYPES.includes(String(body.objectType))) issues.push({ path: ["objectType"], message: enumMessage(QUEUE_OBJECT_TYPES) });
    if (body.status !== undefined && !QUEUE_STATUSES.includes(String(body.status))) issues.push({ path: ["status"], message: enumMessage(QUEUE_STATUSES) });
    if (issues.length) throw invalidData(issues);
    const objectType = body.objectType as V4.AnnotationQueueObjectType;
    if (!this.objectExists(objectType, body.objectId as string)) throw notFound(`${objectType.charAt(0)}${objectType.slice(1).toLowerCase()} not found`);
    const now = nowIso();
    const status = (body.status as V4.AnnotationQueueStatus | undefined) ?? "PENDING";
    const row: QueueItemRow = {
      id: randomUUID(),
      queue_id: queueId,
      object_id: body.objectId as string,
      object_type: objectType,
      status,
      completed_at: status === "COMPLETED" ? now : null,
      created_at: now,
      updated_at: now,
    };
    this.store.transaction(() =>
      this.db
        .prepare(
          `INSERT INTO annotation_queue_items (id, queue_id, object_id, object_type, status, completed_at, created_at, updated_at)
           VALUES (@id, @queue_id, @object_id, @object_type, @status, @completed_at, @created_at, @updated_at)`,
        )
        .run(row),
    );
    return toItem(row);
  }

  private itemRow(queueId: string, itemId: string): QueueItemRow {
    const row = this.db.prepare("SELECT * FROM annotation_queue_items WHERE id = ? AND queue_id = ?").get(itemId, queueId) as QueueItemRow | undefined;
    if (!row) throw notFound("Annotation queue item not found");
    return row;
  }

  getItem(queueId: string, itemId: string): V4.AnnotationQueueItem {
    return toItem(this.itemRow(queueId, itemId));
  }

  updateItem(queueId: string, itemId: string, body: unknown): V4.AnnotationQueueItem {
    const row = this.itemRow(queueId, itemId);
    if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
    if (body.status !== undefined && !QUEUE_STATUSES.includes(String(body.status))) throw invalidData([{ path: ["status"], message: enumMessage(QUEUE_STATUSES) }]);
    const now = nowIso();
    if (body.status !== undefined && body.status !== row.status) {
      row.status = body.status as V4.AnnotationQueueStatus;
      row.completed_at = row.status === "COMPLETED" ? now : null;
    }
    row.updated_at = now;
    this.store.transaction(() =>
      this.db.prepare("UPDATE annotation_queue_items SET status = @status, completed_at = @completed_at, updated_at = @updated_at WHERE id = @id").run(row),
    );
    return toItem(row);
  }

  deleteItem(queueId: string, itemId: string): { success: boolean; message: string } {
    this.itemRow(queueId, itemId);
    this.store.transaction(() => this.db.prepare("DELETE FROM annotation_queue_items WHERE id = ?").run(itemId));
    return { success: true, message: "Item successfully deleted from annotation queue" };
  }

  createAssignment(queueId: string, body: unknown): V4.AnnotationQueueAssignment {
    this.queueRow(queueId);
    if (!isPlainObject(body) || typeof body.userId !== "string" || body.userId.length === 0) throw invalidData([{ path: ["userId"], message: "Required" }]);
    const userId = body.userId;
    this.store.transaction(() =>
      this.db.prepare("INSERT OR IGNORE INTO annotation_queue_assignments (queue_id, user_id, created_at) VALUES (?, ?, ?)").run(queueId, userId, nowIso()),
    );
    return { userId, queueId, projectId: PROJECT_ID };
  }

  deleteAssignment(queueId: string, body: unknown): { success: boolean } {
    this.queueRow(queueId);
    if (!isPlainObject(body) || typeof body.userId !== "string" || body.userId.length === 0) throw invalidData([{ path: ["userId"], message: "Required" }]);
    const userId = body.userId;
    this.store.transaction(() => this.db.prepare("DELETE FROM annotation_queue_assignments WHERE queue_id = ? AND user_id = ?").run(queueId, userId));
    return { success: true };
  }
}

export function localComments(s: LocalCommentsAndQueues): LangfuseApi["comments"] {
  return {
    create: async (body) => s.createComment(body),
    list: async (query) => s.listComments(query),
    get: async (id) => s.getComment(id),
  };
}

export function localAnnotationQueues(s: LocalCommentsAndQueues): LangfuseApi["annotationQueues"] {
  return {
    list: async (q) => s.listQueues(q),
    create: async (body) => s.createQueue(body),
    get: async (id) => s.getQueue(id),
    listItems: async (id, q) => s.listItems(id, q),
    createItem: async (id, body) => s.createItem(id, body),
    getItem: async (id, itemId) => s.getItem(id, itemId),
    updateItem: async (id, itemId, body) => s.updateItem(id, itemId, body),
    deleteItem: async (id, itemId) => s.deleteItem(id, itemId),
    createAssignment: async (id, body) => s.createAssignment(id, body),
    deleteAssignment: async (id, body) => s.deleteAssignment(id, body),
  };
}
