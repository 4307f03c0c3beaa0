import type { TraceWithDetails } from "../src";

/** Prints a stored trace as an indented tree (type, name, model, usage, cost). */
export function printTree(trace: TraceWithDetails): void {
  const children = new Map<string | null, typeof trace.observations>();
  for (const o of trace.observations) {
    const list = children.get(o.parentObservationId) ?? [];
    list.push(o);
    children.set(o.parentObservationId, list);
  }
  const walk = (parent: string | null, depth: number): void => {
    const list = (children.get(parent) ?? []).sort((a, b) => a.startTime.localeCompare(b.startTime));
    for (const o of list) {
      const cost = o.costDetails.total !== undefined ? ` cost=$${o.costDetails.total.toFixed(8)}` : "";
      const extra = o.model ? `  model=${o.model} usage=${JSON.stringify(o.usageDetails)}${cost}` : "";
      console.log(`${"  ".repeat(depth + 1)}- ${o.type.toLowerCase()} ${o.name}${o.level === "ERROR" ? " [ERROR]" : ""}${extra}`);
      walk(o.id, depth + 1);
    }
  };
  walk(null, 0);
}
