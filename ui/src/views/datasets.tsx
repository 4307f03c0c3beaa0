import { useState } from "preact/hooks";
import { api, enc, type Dataset, type DatasetItem, type Page, type RunSummary } from "../api";
import { ErrorNote, fmtCost, fmtNum, fmtSeconds, fmtTime, JsonTree, Loading, Pager, preview, TraceLink, useData } from "../components";
import { href, navigate, type Route } from "../router";

export function DatasetsView({ route }: { route: Route }) {
  const page = Number(route.query.get("page") ?? "1") || 1;
  const { data, error } = useData(() => api.get<Page<Dataset>>("/api/public/v2/datasets", { page, limit: 50 }), [page]);
  return (
    <div>
      <h1>Datasets</h1>
      {error ? <ErrorNote error={error} /> : null}
      {!data ? <Loading what="datasets" /> : null}
      {data ? (
        <>
          <table class="list" aria-label="Datasets">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((d) => (
                <tr key={d.id}>
                  <td>
                    <a class="row-link" href={href(["datasets", d.name])}>
                      {d.name}
                    </a>
                  </td>
                  <td>{d.description ?? ""}</td>
                  <td>{fmtTime(d.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={data.meta.page} totalPages={data.meta.totalPages} totalItems={data.meta.totalItems} onPage={(p) => navigate(href(["datasets"], { page: p }))} />
        </>
      ) : null}
    </div>
  );
}

/** Names of the scores present in any of the runs, sorted. */
export const scoreNames = (runs: RunSummary[]) => [...new Set(runs.flatMap((r) => Object.keys(r.scores)))].sort();

export function DatasetView({ route }: { route: Route }) {
  const name = route.parts[1]!;
  const page = Number(route.query.get("page") ?? "1") || 1;
  const { data: dataset, error } = useData(() => api.get<Dataset>(`/api/public/v2/datasets/${enc(name)}`), [name]);
  const { data: items } = useData(() => api.get<Page<DatasetItem>>("/api/public/dataset-items", { datasetName: name, page, limit: 50 }), [name, page]);
  const { data: runs } = useData(() => api.get<{ data: RunSummary[] }>(`/api/ui/datasets/${enc(name)}/runs`), [name]);
  const [picked, setPicked] = useState<string[]>([]);
  if (error) return <ErrorNote error={error} />;
  if (!dataset) return <Loading what="dataset" />;
  const names = runs ? scoreNames(runs.data) : [];
  const toggle = (run: string) => setPicked(picked.includes(run) ? picked.filter((r) => r !== run) : [...picked, run]);

  return (
    <div>
      <p class="crumbs">
        <a href={href(["datasets"])}>Datasets</a> / {name}
      </p>
      <h1>{name}</h1>
      {dataset.description ? <p>{dataset.description}</p> : null}
      <section aria-label="Runs">
        <h2>Runs</h2>
        {!runs ? <Loading what="runs" /> : null}
        {runs ? (
          <>
            <table class="list" aria-label="Dataset runs" id="runs-table">
              <thead>
                <tr>
                  <th scope="col">Compare</th>
                  <th scope="col">Run</th>
                  <th scope="col">Created</th>
                  <th scope="col">Items</th>
                  {names.map((n) => (
                    <th scope="col" key={n}>
                      {n} (mean)
                    </th>
                  ))}
                  <th scope="col">Run scores</th>
                  <th scope="col">Mean latency</th>
                  <th scope="col">Total cost</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.map((r) => (
                  <tr key={r.id} data-run={r.name}>
                    <td>
                      <input type="checkbox" aria-label={`Compare ${r.name}`} checked={picked.includes(r.name)} onChange={() => toggle(r.name)} />
                    </td>
                    <td>{r.name}</td>
                    <td>{fmtTime(r.createdAt)}</td>
                    <td class="num">{r.itemCount}</td>
                    {names.map((n) => (
                      <td class="num" key={n}>
                        {fmtNum(r.scores[n]?.mean)}
                      </td>
                    ))}
                    <td>
                      {Object.entries(r.runScores)
                        .map(([k, v]) => `${k}: ${typeof v === "number" ? fmtNum(v) : v}`)
                        .join(", ") || "–"}
                    </td>
                    <td class="num">{fmtSeconds(r.avgLatency)}</td>
                    <td class="num">{fmtCost(r.totalCost)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p>
              <button
                type="button"
                id="compare-button"
                disabled={picked.length < 2}
                onClick={() => navigate(href(["datasets", name, "compare"], { runs: picked }))}
              >
                Compare {picked.length} selected runs
              </button>{" "}
              {runs.data.length >= 2 ? (
                <a href={href(["datasets", name, "compare"], { runs: runs.data.slice(0, 2).map((r) => r.name).reverse() })}>compare the two latest runs</a>
              ) : null}
            </p>
          </>
        ) : null}
      </section>
      <section aria-label="Schema">
        <h2>Schema</h2>
        <div class="two-col">
          <div>
            <h3>Input schema</h3>
            {dataset.inputSchema ? <JsonTree value={dataset.inputSchema} /> : <p class="muted">none</p>}
          </div>
          <div>
            <h3>Expected output schema</h3>
            {dataset.expectedOutputSchema ? <JsonTree value={dataset.expectedOutputSchema} /> : <p class="muted">none</p>}
          </div>
        </div>
      </section>
      <section aria-label="Items">
        <h2>Items</h2>
        {!items ? <Loading what="items" /> : null}
        {items ? (
          <>
            <table class="list" aria-label="Dataset items" id="items-table">
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Input</th>
                  <th scope="col">Expected output</th>
                  <th scope="col">Status</th>
                  <th scope="col">Source trace</th>
                </tr>
              </thead>
              <tbody>
                {items.data.map((it) => (
                  <tr key={it.id} data-item-id={it.id}>
                    <td>
                      <a href={href(["datasets", name, "items", it.id])}>{it.id}</a>
                    </td>
                    <td class="clip">{preview(it.input)}</td>
                    <td class="clip">{preview(it.expectedOutput)}</td>
                    <td>{it.status}</td>
                    <td>{it.sourceTraceId ? <TraceLink id={it.sourceTraceId} /> : "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager page={items.meta.page} totalPages={items.meta.totalPages} totalItems={items.meta.totalItems} onPage={(p) => navigate(href(["datasets", name], { page: p }))} />
          </>
        ) : null}
      </section>
    </div>
  );
}

interface ItemVersion {
  validFrom: string;
  validTo: string | null;
  deleted: boolean;
  status: string;
  input: unknown;
  expectedOutput: unknown;
  metadata: unknown;
}

export function DatasetItemView({ route }: { route: Route }) {
  const name = route.parts[1]!;
  const id = route.parts[3]!;
  const { data, error } = useData(() => api.get<{ data: ItemVersion[] }>(`/api/ui/dataset-items/${enc(id)}/history`), [id]);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading what="item" />;
  return (
    <div>
      <p class="crumbs">
        <a href={href(["datasets"])}>Datasets</a> / <a href={href(["datasets", name])}>{name}</a> / {id}
      </p>
      <h1>Item {id}</h1>
      <h2>Version history ({data.data.length})</h2>
      <ol class="history">
        {data.data.map((v) => (
          <li key={v.validFrom}>
            <h3>
              From {fmtTime(v.validFrom)} {v.validTo ? `to ${fmtTime(v.validTo)}` : "(current)"} {v.deleted ? "· deleted" : ""} · {v.status}
            </h3>
            <div class="two-col">
              <div>
                <h4>Input</h4>
                <JsonTree value={v.input} />
              </div>
              <div>
                <h4>Expected output</h4>
                <JsonTree value={v.expectedOutput} />
              </div>
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
