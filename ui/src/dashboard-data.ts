/**
 * Everything the dashboard fetches, in one place: today /api/ui/dashboard (the local server's
 * aggregate endpoint); a metrics endpoint of the public API can replace it here alone.
 */
import { api } from "./api";

export interface DashboardData {
  from: string;
  to: string;
  bucket: "hour" | "day";
  totals: { traces: number; observations: number; cost: number; avgLatency: number | null };
  overTime: { bucket: string; traces: number; cost: number; avgLatency: number | null }[];
  byModel: { model: string; count: number; cost: number; inputTokens: number; outputTokens: number }[];
  byUser: { userId: string; traces: number; cost: number }[];
}

export function loadDashboard(range: { from: Date; to: Date; environment?: string }): Promise<DashboardData> {
  return api.get<DashboardData>("/api/ui/dashboard", {
    fromTimestamp: range.from.toISOString(),
    toTimestamp: range.to.toISOString(),
    environment: range.environment,
  });
}
