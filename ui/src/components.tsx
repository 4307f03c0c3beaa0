import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, enc } from "./api";
import { href } from "./router";

/** Loads `load()` when `deps` change; `reload` re-runs it (live refresh keeps the old data shown). */
export function useData<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: Error; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const seq = useRef(0);
  const run = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === seq.current && setState({ data, loading: false }),
      (error: Error) => mine === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export function Loading({ what }: { what?: string }) {
  return (
    <p class="muted" role="status">
      Loading{what ? ` ${what}` : ""}…
    </p>
  );
}

export function ErrorNote({ error }: { error: Error }) {
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  );
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function fmtSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return "–";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  return `${s.toFixed(2)} s`;
}

export function fmtCost(c: number | null | undefined): string {
  if (!c) return "$0";
  return c < 0.01 ? `$${c.toPrecision(3)}` : `$${c.toFixed(4)}`;
}

export function fmtNum(n: number | null | undefined, digits = 3): string {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

/** One line of text for a value in a table cell. */
export function preview(v: unknown, max = 120): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

const TYPE_ICONS: Record<string, string> = {
  SPAN: "▭",
  GENERATION: "✦",
  EVENT: "•",
  AGENT: "☺",
  TOOL: "⚒",
  CHAIN: "⛓",
  RETRIEVER: "⌕",
  EVALUATOR: "✓",
  EMBEDDING: "⊞",
  GUARDRAIL: "⛨",
};

export function TypeIcon({ type }: { type: string }) {
  return (
    <span class={`type-icon type-${type.toLowerCase()}`} title={type} aria-label={type.toLowerCase()} role="img">
      {TYPE_ICONS[type] ?? "·"}
    </span>
  );
}

export function LevelBadge({ level }: { level: string }) {
  if (level === "DEFAULT") return null;
  return <span class={`badge level-${level.toLowerCase()}`}>{level}</span>;
}

interface ChatMessage {
  role: string;
  content: unknown;
}

function asChat(v: unknown): ChatMessage[] | undefined {
  const list = Array.isArray(v) ? v : v && typeof v === "object" && Array.isArray((v as { messages?: unknown }).messages) ? (v as { messages: unknown[] }).messages : undefined;
  if (!list || !list.length) return undefined;
  if (!list.every((m) => m && typeof m === "object" && typeof (m as ChatMessage).role === "string" && "content" in (m as object))) return undefined;
  return list as ChatMessage[];
}

/** Chat messages (`[{role, content}]` or `{messages: [...]}`) as a conversation. */
export function ChatView({ messages }: { messages: ChatMessage[] }) {
  return (
    <ol class="chat">
      {messages.map((m, i) => (
        <li key={i} class={`chat-msg role-${m.role}`}>
          <span class="chat-role">{m.role}</span>
          <div class="chat-content">{typeof m.content === "string" && !MEDIA_REF.test(m.content) ? m.content : <JsonTree value={m.content} />}</div>
        </li>
      ))}
    </ol>
  );
}

/** Input/output: a conversation when it looks like chat messages, collapsible JSON otherwise. */
export function IoView({ label, value }: { label: string; value: unknown }) {
  const chat = asChat(value);
  return (
    <section class="io" aria-label={label}>
      <h3>{label}</h3>
      {value === null || value === undefined ? <p class="muted">none</p> : chat ? <ChatView messages={chat} /> : <JsonTree value={value} />}
    </section>
  );
}

/** `@@@langfuseMedia:type=image/png|id=...|source=...@@@`: what SDKs leave in place of uploaded media. */
const MEDIA_REF = /^@@@langfuseMedia:type=([^|@]+)\|id=([A-Za-z0-9_-]{1,64})\|source=([^|@]+)@@@$/;

/**
 * A preview of uploaded media. The bytes are served only through the short-lived signed URL that
 * GET /api/public/media/{id} hands out (as Langfuse's bucket URLs), so it is asked for first;
 * its path is used, same origin as the page.
 */
export function MediaPreview({ type, id }: { type: string; id: string }) {
  const [url, setUrl] = useState<string | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    api
      .get<{ url?: string }>(`/api/public/media/${enc(id)}`)
      .then((media) => {
        if (!live) return;
        if (typeof media?.url !== "string") return setFailed(true);
        const signed = new URL(media.url, window.location.origin);
        setUrl(`${signed.pathname}${signed.search}`);
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [id]);
  if (failed) return <span class="muted">Attached {type} ({id}): not available</span>;
  if (!url) return <span class="muted">Attached {type} ({id})</span>;
  if (type.startsWith("image/")) return <img class="media" src={url} alt={`Attached ${type} (${id})`} loading="lazy" />;
  if (type.startsWith("audio/")) return <audio class="media" src={url} controls aria-label={`Attached ${type}`} />;
  return (
    <a href={url} target="_blank" rel="noreferrer">
      Attached {type} ({id})
    </a>
  );
}

/** Collapsible JSON: objects and arrays are <details> (keyboard-operable), the first levels open. */
export function JsonTree({ value, depth = 0, name }: { value: unknown; depth?: number; name?: string }) {
  const key = name !== undefined ? <span class="json-key">{name}: </span> : null;
  const media = typeof value === "string" ? MEDIA_REF.exec(value) : null;
  if (media) {
    return (
      <div class="json-leaf">
        {key}
        <MediaPreview type={media[1]!} id={media[2]!} />
      </div>
    );
  }
  if (value === null || typeof value !== "object") {
    const cls = value === null ? "json-null" : `json-${typeof value}`;
    const text = typeof value === "string" ? (depth === 0 ? value : JSON.stringify(value)) : String(value);
    return (
      <div class={depth === 0 && typeof value === "string" ? "json-text" : "json-leaf"}>
        {key}
        <span class={cls}>{text}</span>
      </div>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  return (
    <details class="json-node" open={depth < 2}>
      <summary>
        {key}
        <span class="muted">{summary}</span>
      </summary>
      <div class="json-children">
        {entries.slice(0, 500).map(([k, v]) => (
          <JsonTree key={k} name={k} value={v} depth={depth + 1} />
        ))}
        {entries.length > 500 ? <div class="muted">… {entries.length - 500} more</div> : null}
      </div>
    </details>
  );
}

export function Pager({ page, totalPages, totalItems, onPage }: { page: number; totalPages: number; totalItems: number; onPage: (p: number) => void }) {
  return (
    <nav class="pager" aria-label="Pagination">
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ← Previous
      </button>
      <span>
        Page {page} of {Math.max(totalPages, 1)} ({totalItems} total)
      </span>
      <button type="button" disabled={page >= totalPages} onClick={() => onPage(page + 1)}>
        Next →
      </button>
    </nav>
  );
}

export function ScoreChips({ scores }: { scores: { name: string; value: number | string | null; id?: string }[] }) {
  if (!scores.length) return <span class="muted">no scores</span>;
  return (
    <ul class="chips" aria-label="Scores">
      {scores.map((s, i) => (
        <li key={s.id ?? i} class="chip">
          {s.name}: <strong>{typeof s.value === "number" ? fmtNum(s.value) : String(s.value ?? "–")}</strong>
        </li>
      ))}
    </ul>
  );
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function TraceLink({ id, children }: { id: string; children?: ComponentChildren }) {
  return <a href={href(["traces", id])}>{children ?? id.slice(0, 12)}</a>;
}
