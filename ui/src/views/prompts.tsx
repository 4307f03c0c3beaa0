import { useState } from "preact/hooks";
import { api, enc, type Page, type Prompt, type PromptMeta } from "../api";
import { ErrorNote, fmtTime, JsonTree, Loading, Pager, useData } from "../components";
import { href, navigate, type Route } from "../router";

export function PromptsView({ route }: { route: Route }) {
  const page = Number(route.query.get("page") ?? "1") || 1;
  const { data, error } = useData(() => api.get<Page<PromptMeta>>("/api/public/v2/prompts", { page, limit: 50 }), [page]);
  return (
    <div>
      <h1>Prompts</h1>
      {error ? <ErrorNote error={error} /> : null}
      {!data ? <Loading what="prompts" /> : null}
      {data ? (
        <>
          <table class="list" aria-label="Prompts">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Versions</th>
                <th scope="col">Labels</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((p) => (
                <tr key={p.name}>
                  <td>
                    <a class="row-link" href={href(["prompts", p.name])}>
                      {p.name}
                    </a>
                  </td>
                  <td>{p.type}</td>
                  <td class="num">{p.versions.length}</td>
                  <td>
                    {p.labels.map((l) => (
                      <span key={l} class="badge">
                        {l}
                      </span>
                    ))}
                  </td>
                  <td>{fmtTime(p.lastUpdatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={data.meta.page} totalPages={data.meta.totalPages} totalItems={data.meta.totalItems} onPage={(p) => navigate(href(["prompts"], { page: p }))} />
        </>
      ) : null}
    </div>
  );
}

const promptText = (p: Prompt) => (typeof p.prompt === "string" ? p.prompt : JSON.stringify(p.prompt, null, 2));

/** Line diff by longest common subsequence (bounded: prompts are short). */
export function diffLines(a: string, b: string): { op: "same" | "add" | "del"; line: string }[] {
  const x = a.split("\n").slice(0, 2000);
  const y = b.split("\n").slice(0, 2000);
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: { op: "same" | "add" | "del"; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) (out.push({ op: "same", line: x[i]! }), i++, j++);
    else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: "del", line: x[i++]! });
    else out.push({ op: "add", line: y[j++]! });
  }
  while (i < n) out.push({ op: "del", line: x[i++]! });
  while (j < m) out.push({ op: "add", line: y[j++]! });
  return out;
}

export function PromptView({ route }: { route: Route }) {
  const name = route.parts[1]!;
  const { data: meta, error } = useData(() => api.get<Page<PromptMeta>>("/api/public/v2/prompts", { name, limit: 1 }), [name]);
  const versions = meta?.data[0]?.versions ?? [];
  const [refresh, setRefresh] = useState(0);
  const { data: all, error: vErr } = useData(
    () =>
      versions.length
        ? Promise.all([...versions].sort((a, b) => b - a).map((v) => api.get<Prompt>(`/api/public/v2/prompts/${enc(name)}`, { version: v })))
        : Promise.resolve(undefined),
    [name, versions.join(","), refresh],
  );
  const [label, setLabel] = useState("production");
  const [status, setStatus] = useState<string>("");

  if (error) return <ErrorNote error={error} />;
  if (vErr) return <ErrorNote error={vErr} />;
  if (meta && !meta.data.length) return <ErrorNote error={new Error(`Prompt ${name} not found`)} />;
  if (!meta || !all || !all.length) return <Loading what="prompt" />;

  const selectedVersion = Number(route.query.get("version") ?? all[0]!.version);
  const current = all.find((p) => p.version === selectedVersion) ?? all[0]!;
  const diffBase = Number(route.query.get("diff") ?? (all.find((p) => p.version < current.version)?.version ?? 0));
  const base = all.find((p) => p.version === diffBase);
  const go = (q: Record<string, number | undefined>) => navigate(href(["prompts", name], { version: current.version, diff: base?.version, ...q }), true);

  const promote = async (e: Event) => {
    e.preventDefault();
    const l = label.trim();
    if (!l) return;
    setStatus("Saving…");
    try {
      await api.patch(`/api/public/v2/prompts/${enc(name)}/versions/${current.version}`, { newLabels: [l] });
      setStatus(`Label "${l}" now points to version ${current.version}.`);
      setRefresh(refresh + 1);
    } catch (err) {
      setStatus(`Could not set the label: ${(err as Error).message}`);
    }
  };

  return (
    <div>
      <p class="crumbs">
        <a href={href(["prompts"])}>Prompts</a> / {name}
      </p>
      <h1>{name}</h1>
      <div class="split">
        <section aria-label="Versions" class="versions">
          <h2>Versions</h2>
          <ul class="version-list">
            {all.map((p) => (
              <li key={p.version}>
                <a href={href(["prompts", name], { version: p.version })} aria-current={p.version === current.version ? "page" : undefined} data-version={p.version}>
                  v{p.version}
                </a>{" "}
                {p.labels.map((l) => (
                  <span key={l} class="badge" data-label={l}>
                    {l}
                  </span>
                ))}
                <div class="muted small">{p.commitMessage ?? ""}</div>
              </li>
            ))}
          </ul>
        </section>
        <section aria-label="Prompt version" class="detail-panel">
          <h2 id="prompt-version-title">
            Version {current.version} ({current.type})
          </h2>
          <p>
            Labels:{" "}
            <span id="current-labels">
              {current.labels.map((l) => (
                <span key={l} class="badge">
                  {l}
                </span>
              ))}
            </span>
          </p>
          <form class="inline-form" onSubmit={promote} aria-label="Promote a label">
            <label>
              Label
              <input id="promote-label" value={label} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} />
            </label>
            <button type="submit" id="promote-button">
              Set on v{current.version}
            </button>
            <span role="status" id="promote-status">
              {status}
            </span>
          </form>
          <h3>Prompt</h3>
          {typeof current.prompt === "string" ? <pre class="prompt-text">{current.prompt}</pre> : <JsonTree value={current.prompt} />}
          <h3>Config</h3>
          <JsonTree value={current.config} />
          <h3>Tags</h3>
          <p>{current.tags.length ? current.tags.join(", ") : "–"}</p>
          <p class="muted">Created {fmtTime(current.createdAt)}</p>
          <h3>Diff</h3>
          <label>
            Compare with version{" "}
            <select id="diff-base" value={String(base?.version ?? "")} onChange={(e) => go({ diff: Number((e.target as HTMLSelectElement).value) || undefined })}>
              <option value="">none</option>
              {all
                .filter((p) => p.version !== current.version)
                .map((p) => (
                  <option key={p.version} value={String(p.version)}>
                    v{p.version}
                  </option>
                ))}
            </select>
          </label>
          {base ? (
            <pre class="diff" id="prompt-diff" aria-label={`Diff from version ${base.version} to version ${current.version}`}>
              {diffLines(promptText(base), promptText(current)).map((d, i) => (
                <div key={i} class={`diff-${d.op}`}>
                  {d.op === "add" ? "+ " : d.op === "del" ? "- " : "  "}
                  {d.line}
                </div>
              ))}
            </pre>
          ) : null}
        </section>
      </div>
    </div>
  );
}
