import { useEffect, useRef } from "preact/hooks";
import type uPlot from "uplot";
import { ErrorNote, fmtCost, fmtNum, fmtSeconds, Loading, useData } from "../components";
import { loadDashboard, type DashboardData } from "../dashboard-data";
import { href, navigate, type Route } from "../router";

const RANGES: [string, string, number][] = [
  ["24h", "Last 24 hours", 1],
  ["7d", "Last 7 days", 7],
  ["30d", "Last 30 days", 30],
  ["90d", "Last 90 days", 90],
];

const bucketTime = (b: string, bucket: DashboardData["bucket"]) => Date.parse(bucket === "hour" ? `${b}:00:00Z` : `${b}T00:00:00Z`) / 1000;

function TimeChart({ title, xs, ys, format, id }: { title: string; xs: number[]; ys: (number | null)[]; format: (v: number) => string; id: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plot: uPlot | undefined;
    let cancelled = false;
    // The chart library loads with the dashboard only (its own chunk), not with the trace list.
    void Promise.all([import("uplot"), import("uplot/dist/uPlot.min.css")]).then(([{ default: UPlot }]) => {
    if (!el.current || cancelled) return;
    const css = getComputedStyle(document.documentElement);
    const stroke = css.getPropertyValue("--series-1").trim() || "#3b6fd6";
    const axis = css.getPropertyValue("--fg-muted").trim() || "#666";
    const grid = css.getPropertyValue("--border").trim() || "#ddd";
    const width = Math.max(280, el.current.clientWidth);
    const axes: uPlot.Axis[] = [
      { stroke: axis, grid: { stroke: grid } },
      { stroke: axis, grid: { stroke: grid }, values: (_u, vals) => vals.map((v) => format(v)), size: 84 },
    ];
    plot = new UPlot(
      {
        width,
        height: 200,
        legend: { show: false },
        cursor: { show: true },
        scales: { x: { time: true } },
        axes,
        series: [{}, { label: title, stroke, width: 2, fill: `${stroke}22`, spanGaps: false, points: { show: true, size: 5 } }],
      },
      [xs, ys],
      el.current,
    );
    });
    return () => {
      cancelled = true;
      plot?.destroy();
    };
  }, [xs.join(","), ys.join(","), title]);
  const summary = xs.length ? `${title}: ${xs.length} points, last ${ys[ys.length - 1] === null ? "none" : format(ys[ys.length - 1]!)}` : `${title}: no data`;
  return (
    <figure class="chart" id={id}>
      <figcaption>{title}</figcaption>
      <div ref={el} role="img" aria-label={summary} />
    </figure>
  );
}

export function DashboardView({ route }: { route: Route }) {
  const range = route.query.get("range") ?? "7d";
  const days = RANGES.find((r) => r[0] === range)?.[2] ?? 7;
  const { data, error } = useData(() => {
    const to = new Date(Date.now() + 60_000);
    return loadDashboard({ from: new Date(to.getTime() - days * 86_400_000), to });
  }, [days]);
  return (
    <div>
      <div class="title-row">
        <h1>Dashboard</h1>
        <label class="inline">
          Range{" "}
          <select id="dashboard-range" value={range} onChange={(e) => navigate(href(["dashboard"], { range: (e.target as HTMLSelectElement).value }), true)}>
            {RANGES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      {!data ? <Loading what="dashboard" /> : null}
      {data ? <DashboardBody data={data} /> : null}
    </div>
  );
}

/** Every bucket of the range, zero where nothing happened, so the axis spans the whole range. */
function series(data: DashboardData) {
  const step = data.bucket === "hour" ? 3600 : 86_400;
  const byTime = new Map(data.overTime.map((b) => [bucketTime(b.bucket, data.bucket), b]));
  const start = Math.floor(Date.parse(data.from) / 1000 / step) * step;
  const end = Date.parse(data.to) / 1000;
  const xs: number[] = [];
  const traces: number[] = [];
  const cost: number[] = [];
  const latency: (number | null)[] = [];
  for (let t = start; t < end && xs.length < 5000; t += step) {
    const b = byTime.get(t);
    xs.push(t);
    traces.push(b?.traces ?? 0);
    cost.push(b?.cost ?? 0);
    latency.push(b?.avgLatency ?? null);
  }
  return { xs, traces, cost, latency };
}

function DashboardBody({ data }: { data: DashboardData }) {
  const { xs, traces, cost, latency } = series(data);
  return (
    <>
      <dl class="stats" id="dashboard-totals">
        <div>
          <dt>Traces</dt>
          <dd data-stat="traces">{data.totals.traces}</dd>
        </div>
        <div>
          <dt>Observations</dt>
          <dd data-stat="observations">{data.totals.observations}</dd>
        </div>
        <div>
          <dt>Total cost</dt>
          <dd data-stat="cost">{fmtCost(data.totals.cost)}</dd>
        </div>
        <div>
          <dt>Mean latency</dt>
          <dd data-stat="latency">{fmtSeconds(data.totals.avgLatency)}</dd>
        </div>
      </dl>
      <div class="charts">
        <TimeChart id="chart-traces" title={`Traces per ${data.bucket}`} xs={xs} ys={traces} format={(v) => fmtNum(v, 0)} />
        <TimeChart id="chart-cost" title={`Cost per ${data.bucket}`} xs={xs} ys={cost} format={(v) => fmtCost(v)} />
        <TimeChart id="chart-latency" title="Mean trace latency" xs={xs} ys={latency} format={(v) => fmtSeconds(v)} />
      </div>
      <div class="two-col">
        <section aria-label="By model">
          <h2>By model</h2>
          <table class="list" id="by-model" aria-label="Usage by model">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Calls</th>
                <th scope="col">Input tokens</th>
                <th scope="col">Output tokens</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {data.byModel.map((m) => (
                <tr key={m.model}>
                  <td>{m.model}</td>
                  <td class="num">{m.count}</td>
                  <td class="num">{m.inputTokens}</td>
                  <td class="num">{m.outputTokens}</td>
                  <td class="num">{fmtCost(m.cost)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section aria-label="By user">
          <h2>By user</h2>
          <table class="list" id="by-user" aria-label="Traces by user">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Traces</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {data.byUser.map((u) => (
                <tr key={u.userId}>
                  <td>
                    <a href={href(["traces"], { userId: u.userId })}>{u.userId}</a>
                  </td>
                  <td class="num">{u.traces}</td>
                  <td class="num">{fmtCost(u.cost)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </>
  );
}
