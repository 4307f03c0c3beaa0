import { api, enc, type CompareResult, type RunSummary } from "../api";
import { ErrorNote, fmtCost, fmtNum, fmtSeconds, Loading, Pager, preview, TraceLink, useData } from "../components";
import { href, navigate, type Route } from "../router";
import { scoreNames } from "./datasets";

const PALETTE = ["var(--series-1)", "var(--series-2)", "var(--series-3)", "var(--series-4)", "var(--series-5)"];

/** Grouped bars: one group per score, one bar per run (means). Plain SVG with a text alternative. */
function ScoreChart({ runs, names }: { runs: RunSummary[]; names: string[] }) {
  const values = names.flatMap((n) => runs.map((r) => r.scores[n]?.mean ?? 0));
  const max = Math.max(1, ...values.map((v) => Math.abs(v)));
  const barH = 16;
  const groupH = runs.length * barH + 14;
  const labelW = 140;
  const width = 560;
  const height = names.length * groupH + 10;
  const desc = names.map((n) => `${n}: ${runs.map((r) => `${r.name} ${fmtNum(r.scores[n]?.mean)}`).join(", ")}`).join("; ");
  return (
    <figure class="chart" id="score-chart">
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} class="bars" role="img" aria-label={`Mean scores per run. ${desc}`}>
        {names.map((n, gi) => (
          <g key={n} transform={`translate(0, ${gi * groupH + 4})`}>
            <text x={0} y={barH} class="chart-label">
              {n}
            </text>
            {runs.map((r, ri) => {
              const v = r.scores[n]?.mean ?? 0;
              const w = (Math.abs(v) / max) * (width - labelW - 60);
              return (
                <g key={r.id} transform={`translate(${labelW}, ${ri * barH})`}>
                  <rect width={Math.max(w, 1)} height={barH - 3} fill={PALETTE[ri % PALETTE.length]} />
                  <text x={w + 4} y={barH - 5} class="chart-value">
                    {fmtNum(r.scores[n]?.mean)}
                  </text>
                </g>
              );
            })}
          </g>
        ))}
      </svg>
      <figcaption>
        {runs.map((r, i) => (
          <span key={r.id} class="legend">
            <span class="swatch" style={{ background: PALETTE[i % PALETTE.length] }} /> {r.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function Delta({ value, base }: { value: number | string | null | undefined; base: number | string | null | undefined }) {
  if (typeof value !== "number" || typeof base !== "number") return null;
  const d = value - base;
  const cls = d > 1e-12 ? "delta-up" : d < -1e-12 ? "delta-down" : "delta-same";
  const text = d > 1e-12 ? `+${fmtNum(d)}` : d < -1e-12 ? fmtNum(d) : "±0";
  return (
    <span class={`delta ${cls}`} data-delta={String(Math.round(d * 1e6) / 1e6)} aria-label={`change from the first run: ${text}`}>
      {" "}
      ({text})
    </span>
  );
}

export function CompareView({ route }: { route: Route }) {
  const name = route.parts[1]!;
  const runs = route.query.getAll("runs");
  const page = Number(route.query.get("page") ?? "1") || 1;
  const key = `${name}|${runs.join("|")}|${page}`;
  const { data, error } = useData(() => api.get<CompareResult>(`/api/ui/datasets/${enc(name)}/compare`, { runs, page, limit: 50 }), [key]);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading what="comparison" />;
  const names = scoreNames(data.runs);
  return (
    <div>
      <p class="crumbs">
        <a href={href(["datasets"])}>Datasets</a> / <a href={href(["datasets", name])}>{name}</a> / compare
      </p>
      <h1>Compare runs of {name}</h1>
      <p class="muted">Deltas are against the first run, {data.runs[0]?.name}.</p>
      <section aria-label="Aggregate scores">
        <h2>Aggregate scores</h2>
        <table class="list" id="aggregate-table" aria-label="Aggregates per run">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Items</th>
              {names.map((n) => (
                <th scope="col" key={n}>
                  {n}
                </th>
              ))}
              <th scope="col">Mean latency</th>
              <th scope="col">Total cost</th>
            </tr>
          </thead>
          <tbody>
            {data.runs.map((r, ri) => (
              <tr key={r.id} data-run={r.name}>
                <th scope="row">{r.name}</th>
                <td class="num">{r.itemCount}</td>
                {names.map((n) => (
                  <td class="num" key={n} data-score={n}>
                    {fmtNum(r.scores[n]?.mean)}
                    {ri > 0 ? <Delta value={r.scores[n]?.mean} base={data.runs[0]!.scores[n]?.mean} /> : null}
                  </td>
                ))}
                <td class="num">{fmtSeconds(r.avgLatency)}</td>
                <td class="num">{fmtCost(r.totalCost)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {names.length ? <ScoreChart runs={data.runs} names={names} /> : <p class="muted">No scores in these runs.</p>}
      </section>
      <section aria-label="Items side by side">
        <h2>Items</h2>
        <div class="table-wrap">
          <table class="list compare" id="compare-table" aria-label="Per-item results">
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Input</th>
                <th scope="col">Expected</th>
                {data.runs.map((r) => (
                  <th scope="col" key={r.id}>
                    {r.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.items.map((item) => {
                const baseCell = item.runs[0];
                return (
                  <tr key={item.itemId} data-item-id={item.itemId}>
                    <td>
                      <a href={href(["datasets", name, "items", item.itemId])}>{item.itemId}</a>
                    </td>
                    <td class="clip">{preview(item.input)}</td>
                    <td class="clip">{preview(item.expectedOutput)}</td>
                    {item.runs.map((cell, i) => (
                      <td key={i} data-run={data.runs[i]!.name}>
                        {cell ? (
                          <>
                            <div class="cell-output">{preview(cell.output, 300)}</div>
                            <ul class="cell-scores">
                              {Object.entries(cell.scores).map(([k, v]) => (
                                <li key={k} data-score={k}>
                                  {k}: <strong>{typeof v === "number" ? fmtNum(v) : String(v)}</strong>
                                  {i > 0 ? <Delta value={v} base={baseCell?.scores[k]} /> : null}
                                </li>
                              ))}
                            </ul>
                            <div class="muted small">
                              {fmtSeconds(cell.latency)} · {fmtCost(cell.cost)} · <TraceLink id={cell.traceId}>trace</TraceLink>
                            </div>
                          </>
                        ) : (
                          <span class="muted">not run</span>
                        )}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <Pager
          page={data.meta.page}
          totalPages={data.meta.totalPages}
          totalItems={data.meta.totalItems}
          onPage={(p) => navigate(href(["datasets", name, "compare"], { runs, page: p }))}
        />
      </section>
    </div>
  );
}
