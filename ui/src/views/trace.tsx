import { useState } from "preact/hooks";
import { api, enc, type Observation, type TraceDetail } from "../api";
import { ErrorNote, Field, fmtCost, fmtSeconds, fmtTime, IoView, JsonTree, LevelBadge, Loading, ScoreChips, TypeIcon, useData } from "../components";
import { href, navigate, type Route } from "../router";

interface Node {
  obs: Observation;
  children: Node[];
  depth: number;
}

/** Observations as a forest by parentObservationId (orphans become roots), siblings by start time. */
function buildTree(observations: Observation[]): Node[] {
  const byId = new Map(observations.map((o) => [o.id, { obs: o, children: [] as Node[], depth: 0 }]));
  const roots: Node[] = [];
  for (const node of byId.values()) {
    const parent = node.obs.parentObservationId ? byId.get(node.obs.parentObservationId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const sort = (list: Node[], depth: number) => {
    list.sort((a, b) => a.obs.startTime.localeCompare(b.obs.startTime) || a.obs.id.localeCompare(b.obs.id));
    for (const n of list) {
      n.depth = depth;
      sort(n.children, depth + 1);
    }
  };
  sort(roots, 0);
  return roots;
}

const ms = (iso: string | null) => (iso ? Date.parse(iso) : NaN);

export function TraceView({ route }: { route: Route }) {
  const id = route.parts[1]!;
  const selected = route.query.get("obs");
  const { data, error } = useData(() => api.get<TraceDetail>(`/api/public/traces/${enc(id)}`), [id]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading what="trace" />;

  const roots = buildTree(data.observations);
  const starts = data.observations.map((o) => ms(o.startTime)).filter((x) => !Number.isNaN(x));
  const ends = data.observations.map((o) => ms(o.endTime ?? o.startTime)).filter((x) => !Number.isNaN(x));
  const t0 = starts.length ? Math.min(...starts) : ms(data.timestamp);
  const span = Math.max((ends.length ? Math.max(...ends) : t0) - t0, 1);
  const current = data.observations.find((o) => o.id === selected);

  const select = (obsId: string | null) => navigate(href(["traces", id], { obs: obsId ?? undefined }), true);
  const toggle = (obsId: string) => {
    const next = new Set(collapsed);
    if (next.has(obsId)) next.delete(obsId);
    else next.add(obsId);
    setCollapsed(next);
  };

  const rows: preact.JSX.Element[] = [];
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      const o = n.obs;
      const left = ((ms(o.startTime) - t0) / span) * 100;
      const width = Math.max(((ms(o.endTime ?? o.startTime) - ms(o.startTime)) / span) * 100, 0.5);
      const isOpen = !collapsed.has(o.id);
      rows.push(
        <li key={o.id} class={`tree-row${o.id === selected ? " selected" : ""}`} data-obs-id={o.id} data-parent-id={o.parentObservationId ?? ""} data-depth={n.depth}>
          <div class="tree-label" style={{ paddingLeft: `${n.depth * 1.1}rem` }}>
            {n.children.length ? (
              <button type="button" class="twisty" aria-expanded={isOpen} aria-label={`${isOpen ? "Collapse" : "Expand"} ${o.name ?? o.type}`} onClick={() => toggle(o.id)}>
                {isOpen ? "▾" : "▸"}
              </button>
            ) : (
              <span class="twisty" aria-hidden="true" />
            )}
            <button type="button" class="obs-button" aria-current={o.id === selected ? "true" : undefined} onClick={() => select(o.id)}>
              <TypeIcon type={o.type} /> <span class="obs-name">{o.name ?? o.id}</span> <LevelBadge level={o.level} />
            </button>
          </div>
          <div class="waterfall" aria-hidden="true">
            <div class={`bar type-${o.type.toLowerCase()}`} style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }} />
          </div>
          <div class="num muted">{fmtSeconds(o.latency)}</div>
        </li>,
      );
      if (isOpen) walk(n.children);
    }
  };
  walk(roots);

  const obsName = new Map(data.observations.map((o) => [o.id, o.name ?? o.id]));
  const scoreLabel = (s: TraceDetail["scores"][number]) => (s.observationId ? `${s.name} (${obsName.get(s.observationId) ?? "observation"})` : s.name);
  const obsScores = current ? data.scores.filter((s) => s.observationId === current.id) : [];

  return (
    <div>
      <p class="crumbs">
        <a href={href(["traces"])}>Traces</a> / {data.name ?? id}
      </p>
      <h1>{data.name ?? "Trace"}</h1>
      <dl class="fields">
        <Field label="Trace id">
          <code>{data.id}</code>
        </Field>
        <Field label="Time">{fmtTime(data.timestamp)}</Field>
        <Field label="User">{data.userId ? <a href={href(["traces"], { userId: data.userId })}>{data.userId}</a> : "–"}</Field>
        <Field label="Session">{data.sessionId ? <a href={href(["sessions", data.sessionId])}>{data.sessionId}</a> : "–"}</Field>
        <Field label="Environment">{data.environment}</Field>
        <Field label="Release">{data.release ?? "–"}</Field>
        <Field label="Tags">{data.tags.length ? data.tags.join(", ") : "–"}</Field>
      </dl>
      <section aria-label="Trace scores">
        <h2>Scores</h2>
        <ScoreChips scores={data.scores.map((s) => ({ id: s.id, name: scoreLabel(s), value: s.dataType === "CATEGORICAL" ? s.stringValue ?? null : s.value }))} />
      </section>
      <div class="split">
        <section class="tree-panel" aria-label="Observations">
          <h2>Observations ({data.observations.length})</h2>
          <ul class="tree" id="observation-tree">
            <li class="tree-row tree-head" aria-hidden="true">
              <div class="tree-label">
                <button type="button" class="obs-button link" tabIndex={-1} onClick={() => select(null)}>
                  Trace
                </button>
              </div>
              <div class="waterfall">
                <div class="bar trace-bar" style={{ left: "0%", width: "100%" }} />
              </div>
              <div class="num muted">{fmtSeconds(span / 1000)}</div>
            </li>
            {rows}
          </ul>
        </section>
        <section class="detail-panel" aria-label="Details">
          {current ? <ObservationDetail obs={current} scores={obsScores} /> : <TraceIo trace={data} />}
        </section>
      </div>
    </div>
  );
}

function TraceIo({ trace }: { trace: TraceDetail }) {
  return (
    <div>
      <h2>Trace input and output</h2>
      <IoView label="Input" value={trace.input} />
      <IoView label="Output" value={trace.output} />
      <section aria-label="Metadata">
        <h3>Metadata</h3>
        <JsonTree value={trace.metadata} />
      </section>
    </div>
  );
}

function ObservationDetail({ obs, scores }: { obs: Observation; scores: TraceDetail["scores"] }) {
  const usage = Object.entries(obs.usageDetails ?? {});
  const cost = Object.entries(obs.costDetails ?? {});
  return (
    <div id="observation-detail">
      <h2>
        <TypeIcon type={obs.type} /> {obs.name ?? obs.id}
      </h2>
      <dl class="fields">
        <Field label="Type">{obs.type}</Field>
        <Field label="Start">{fmtTime(obs.startTime)}</Field>
        <Field label="Latency">{fmtSeconds(obs.latency)}</Field>
        <Field label="Level">{obs.level}</Field>
        {obs.statusMessage ? <Field label="Status message">{obs.statusMessage}</Field> : null}
        {obs.model ? <Field label="Model">{obs.model}</Field> : null}
        {usage.length ? <Field label="Usage">{usage.map(([k, v]) => `${k}: ${v}`).join(", ")}</Field> : null}
        {cost.length || obs.calculatedTotalCost ? <Field label="Cost">{fmtCost(obs.calculatedTotalCost)}{cost.length ? ` (${cost.map(([k, v]) => `${k} ${fmtCost(v)}`).join(", ")})` : ""}</Field> : null}
        {obs.promptName ? (
          <Field label="Prompt">
            <a href={href(["prompts", obs.promptName], { version: obs.promptVersion ?? undefined })} id="prompt-link">
              {obs.promptName} v{obs.promptVersion}
            </a>
          </Field>
        ) : null}
      </dl>
      {obs.modelParameters ? (
        <section aria-label="Model parameters">
          <h3>Model parameters</h3>
          <JsonTree value={obs.modelParameters} />
        </section>
      ) : null}
      {scores.length ? (
        <section aria-label="Observation scores">
          <h3>Scores</h3>
          <ScoreChips scores={scores.map((s) => ({ id: s.id, name: s.name, value: s.dataType === "CATEGORICAL" ? s.stringValue ?? null : s.value }))} />
        </section>
      ) : null}
      <IoView label="Input" value={obs.input} />
      <IoView label="Output" value={obs.output} />
      <section aria-label="Observation metadata">
        <h3>Metadata</h3>
        <JsonTree value={obs.metadata} />
      </section>
    </div>
  );
}
