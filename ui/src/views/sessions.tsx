import { api, enc, type Page } from "../api";
import { ChatView, ErrorNote, fmtTime, JsonTree, Loading, Pager, useData } from "../components";
import { href, navigate, type Route } from "../router";

interface Session {
  id: string;
  createdAt: string;
  environment: string;
}

interface SessionDetail extends Session {
  traces: { id: string; name: string | null; timestamp: string; input: unknown; output: unknown; userId: string | null }[];
}

export function SessionsView({ route }: { route: Route }) {
  const page = Number(route.query.get("page") ?? "1") || 1;
  const { data, error } = useData(() => api.get<Page<Session>>("/api/public/sessions", { page, limit: 50 }), [page]);
  return (
    <div>
      <h1>Sessions</h1>
      {error ? <ErrorNote error={error} /> : null}
      {!data ? <Loading what="sessions" /> : null}
      {data ? (
        <>
          <table class="list" aria-label="Sessions">
            <thead>
              <tr>
                <th scope="col">Session</th>
                <th scope="col">Created</th>
                <th scope="col">Environment</th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((s) => (
                <tr key={s.id}>
                  <td>
                    <a class="row-link" href={href(["sessions", s.id])}>
                      {s.id}
                    </a>
                  </td>
                  <td>{fmtTime(s.createdAt)}</td>
                  <td>{s.environment}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={data.meta.page} totalPages={data.meta.totalPages} totalItems={data.meta.totalItems} onPage={(p) => navigate(href(["sessions"], { page: p }))} />
        </>
      ) : null}
    </div>
  );
}

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** A value as chat text: a string, or the first string field of a small object ({question}, {answer}). */
function asText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const strings = Object.values(v as Record<string, unknown>).filter((x) => typeof x === "string") as string[];
    if (strings.length === 1) return strings[0];
  }
  return text(undefined);
}

export function SessionView({ route }: { route: Route }) {
  const id = route.parts[1]!;
  const { data, error } = useData(() => api.get<SessionDetail>(`/api/public/sessions/${enc(id)}`), [id]);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading what="session" />;
  return (
    <div>
      <p class="crumbs">
        <a href={href(["sessions"])}>Sessions</a> / {id}
      </p>
      <h1>Session {id}</h1>
      <p class="muted">
        {data.traces.length} traces, first at {fmtTime(data.createdAt)}
      </p>
      <ol class="conversation" aria-label="Session conversation">
        {data.traces.map((t) => {
          const inText = asText(t.input);
          const outText = asText(t.output);
          return (
            <li key={t.id} class="turn" data-trace-id={t.id}>
              <div class="turn-head">
                <a href={href(["traces", t.id])}>{t.name ?? t.id}</a> <span class="muted">{fmtTime(t.timestamp)}</span>
              </div>
              <ChatView
                messages={[
                  { role: t.userId ?? "user", content: inText ?? t.input },
                  { role: "assistant", content: outText ?? t.output },
                ]}
              />
            </li>
          );
        })}
      </ol>
      {data.traces.length === 0 ? <JsonTree value={data} /> : null}
    </div>
  );
}
