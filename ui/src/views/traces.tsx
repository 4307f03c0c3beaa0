import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Page, type TraceListItem } from "../api";
import { ErrorNote, fmtCost, fmtSeconds, fmtTime, Loading, Pager, preview, useData } from "../components";
import { href, navigate, type Route } from "../router";

const FILTERS = ["search", "name", "userId", "sessionId", "tags", "environment", "release", "level", "from", "to", "orderBy"] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

const ORDERS: [string, string][] = [
  ["timestamp.desc", "Newest first"],
  ["timestamp.asc", "Oldest first"],
  ["name.asc", "Name A–Z"],
  ["name.desc", "Name Z–A"],
  ["userId.asc", "User A–Z"],
  ["sessionId.asc", "Session A–Z"],
];

function filtersOf(route: Route): Filters {
  const f: Filters = {};
  for (const k of FILTERS) {
    const v = route.query.get(k);
    if (v) f[k] = v;
  }
  return f;
}

/** datetime-local has no zone: read it as local time, send UTC. */
const toIso = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

export function TracesView({ route }: { route: Route }) {
  const filters = filtersOf(route);
  const page = Number(route.query.get("page") ?? "1") || 1;
  const [live, setLive] = useState(true);
  const [draft, setDraft] = useState<Filters>(filters);
  const key = route.query.toString();
  useEffect(() => setDraft(filtersOf(route)), [key]);

  const started = useRef(performance.now());
  const { data, error, loading, reload } = useData(
    () =>
      api.get<Page<TraceListItem>>("/api/ui/traces", {
        page,
        limit: 50,
        search: filters.search,
        name: filters.name,
        userId: filters.userId,
        sessionId: filters.sessionId,
        tags: filters.tags ? filters.tags.split(",").map((t) => t.trim()).filter(Boolean) : undefined,
        environment: filters.environment,
        release: filters.release,
        level: filters.level,
        fromTimestamp: toIso(filters.from),
        toTimestamp: toIso(filters.to),
        orderBy: filters.orderBy,
      }),
    [key],
  );
  useEffect(() => {
    if (data && !(window as { __tracesFirstRender?: number }).__tracesFirstRender) {
      (window as { __tracesFirstRender?: number }).__tracesFirstRender = performance.now() - started.current;
    }
  }, [data]);

  // Live refresh while an app writes: re-query the current page every 3 s (the store paginates).
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => {
      if (!document.hidden) reload();
    }, 3000);
    return () => clearInterval(t);
  }, [live, reload]);

  const apply = (e: Event) => {
    e.preventDefault();
    navigate(href(["traces"], { ...draft }));
  };
  const set = (k: keyof Filters) => (e: Event) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value });

  // j / k move through the rows (Enter opens the focused one), as in mail clients.
  const table = useRef<HTMLTableElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "j" && e.key !== "k") return;
      if (e.ctrlKey || e.metaKey || e.altKey || (e.target as HTMLElement).closest("input, select, textarea")) return;
      const links = [...(table.current?.querySelectorAll<HTMLAnchorElement>("tbody a.row-link") ?? [])];
      if (!links.length) return;
      const at = links.indexOf(document.activeElement as HTMLAnchorElement);
      const next = e.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
      links[next]!.focus();
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <div>
      <div class="title-row">
        <h1>Traces</h1>
        <label class="inline">
          <input type="checkbox" checked={live} onChange={(e) => setLive((e.target as HTMLInputElement).checked)} /> Live refresh
        </label>
      </div>
      <form class="filters" onSubmit={apply} aria-label="Trace filters">
        <label class="grow">
          Search name, input, output
          <input id="trace-search" type="search" value={draft.search ?? ""} onInput={set("search")} placeholder="Press / to search" />
        </label>
        <label>
          Name
          <input name="name" value={draft.name ?? ""} onInput={set("name")} />
        </label>
        <label>
          User
          <input name="userId" value={draft.userId ?? ""} onInput={set("userId")} />
        </label>
        <label>
          Session
          <input name="sessionId" value={draft.sessionId ?? ""} onInput={set("sessionId")} />
        </label>
        <label>
          Tags (comma-separated)
          <input name="tags" value={draft.tags ?? ""} onInput={set("tags")} />
        </label>
        <label>
          Environment
          <input name="environment" value={draft.environment ?? ""} onInput={set("environment")} />
        </label>
        <label>
          Release
          <input name="release" value={draft.release ?? ""} onInput={set("release")} />
        </label>
        <label>
          Level
          <select name="level" value={draft.level ?? ""} onChange={set("level")}>
            <option value="">any</option>
            <option value="ERROR">has ERROR</option>
            <option value="WARNING">has WARNING</option>
            <option value="DEBUG">has DEBUG</option>
          </select>
        </label>
        <label>
          From
          <input name="from" type="datetime-local" value={draft.from ?? ""} onInput={set("from")} />
        </label>
        <label>
          To
          <input name="to" type="datetime-local" value={draft.to ?? ""} onInput={set("to")} />
        </label>
        <label>
          Sort
          <select name="orderBy" value={draft.orderBy ?? "timestamp.desc"} onChange={set("orderBy")}>
            {ORDERS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <div class="actions">
          <button type="submit">Apply</button>
          <button type="button" onClick={() => navigate(href(["traces"]))}>
            Clear
          </button>
        </div>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {!data && loading ? <Loading what="traces" /> : null}
      {data ? (
        <>
          <p class="muted" aria-live="polite" id="trace-count">
            {data.meta.totalItems} traces
          </p>
          <div class="table-wrap">
            <table ref={table} class="list" aria-label="Traces">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Name</th>
                  <th scope="col">User</th>
                  <th scope="col">Session</th>
                  <th scope="col">Tags</th>
                  <th scope="col">Input</th>
                  <th scope="col">Output</th>
                  <th scope="col">Latency</th>
                  <th scope="col">Cost</th>
                </tr>
              </thead>
              <tbody>
                {data.data.map((t) => (
                  <tr key={t.id} data-trace-id={t.id}>
                    <td class="nowrap">
                      <a class="row-link" href={href(["traces", t.id])}>
                        {fmtTime(t.timestamp)}
                      </a>
                    </td>
                    <td>{t.name}</td>
                    <td>{t.userId ? <a href={href(["traces"], { userId: t.userId })}>{t.userId}</a> : null}</td>
                    <td>{t.sessionId ? <a href={href(["sessions", t.sessionId])}>{t.sessionId}</a> : null}</td>
                    <td>
                      {t.tags.map((tag) => (
                        <span key={tag} class="badge">
                          {tag}
                        </span>
                      ))}
                    </td>
                    <td class="clip">{preview(t.input)}</td>
                    <td class="clip">{preview(t.output)}</td>
                    <td class="num">{fmtSeconds(t.latency)}</td>
                    <td class="num">{fmtCost(t.totalCost)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={data.meta.page} totalPages={data.meta.totalPages} totalItems={data.meta.totalItems} onPage={(p) => navigate(href(["traces"], { ...filters, page: p }))} />
        </>
      ) : null}
    </div>
  );
}
