/**
 * The UI's only door to the server: same-origin requests carrying the session cookie (set at
 * login, HttpOnly, never readable here) and the x-langfuse-ui header the server requires for
 * cookie-authenticated writes. A 401 anywhere sends the user to the login page.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined | null | (string | number)[]>;

let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) for (const x of v) params.append(k, String(x));
    else params.append(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "x-langfuse-ui": "1", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status === 401 && !path.startsWith("/api/ui/login")) onUnauthorized();
  if (!res.ok) {
    const message = (json as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`;
    throw new ApiError(res.status, message);
  }
  return json as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>("GET", withQuery(path, query)),
  post: <T>(path: string, body: unknown) => request<T>("POST", path, body),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
};

export const enc = encodeURIComponent;

// ---- the public API shapes the views read (a subset of the server's answers)

export interface Page<T> {
  data: T[];
  meta: { page: number; limit: number; totalItems: number; totalPages: number };
}

export interface Score {
  id: string;
  name: string;
  value: number | null;
  stringValue?: string | null;
  dataType: string;
  source: string;
  comment?: string | null;
  observationId?: string | null;
}

export interface TraceListItem {
  id: string;
  timestamp: string;
  name: string | null;
  userId: string | null;
  sessionId: string | null;
  release: string | null;
  environment: string;
  tags: string[];
  input: unknown;
  output: unknown;
  latency: number | null;
  totalCost: number;
  observations: string[];
  scores: string[];
}

export interface Observation {
  id: string;
  traceId: string;
  parentObservationId: string | null;
  type: string;
  name: string | null;
  startTime: string;
  endTime: string | null;
  input: unknown;
  output: unknown;
  metadata: unknown;
  level: string;
  statusMessage: string | null;
  model: string | null;
  modelParameters: unknown;
  usageDetails: Record<string, number>;
  costDetails: Record<string, number>;
  calculatedTotalCost: number;
  promptName: string | null;
  promptVersion: number | null;
  latency: number | null;
  environment: string;
}

export interface TraceDetail extends Omit<TraceListItem, "observations" | "scores"> {
  metadata: unknown;
  version: string | null;
  observations: Observation[];
  scores: Score[];
}

export interface PromptMeta {
  name: string;
  type: string;
  versions: number[];
  labels: string[];
  tags: string[];
  lastUpdatedAt: string;
}

export interface Prompt {
  name: string;
  version: number;
  type: "text" | "chat";
  prompt: unknown;
  config: unknown;
  labels: string[];
  tags: string[];
  commitMessage?: string | null;
  createdAt?: string;
}

export interface Dataset {
  id: string;
  name: string;
  description: string | null;
  metadata: unknown;
  inputSchema: unknown;
  expectedOutputSchema: unknown;
  createdAt: string;
}

export interface DatasetItem {
  id: string;
  status: string;
  input: unknown;
  expectedOutput: unknown;
  metadata: unknown;
  sourceTraceId: string | null;
  createdAt: string;
}

export interface RunSummary {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
  itemCount: number;
  scores: Record<string, { mean: number | null; count: number }>;
  runScores: Record<string, number | string | null>;
  avgLatency: number | null;
  totalCost: number;
}

export interface CompareCell {
  traceId: string;
  output: unknown;
  scores: Record<string, number | string | null>;
  latency: number | null;
  cost: number;
}

export interface CompareResult {
  datasetName: string;
  runs: RunSummary[];
  items: { itemId: string; input: unknown; expectedOutput: unknown; runs: (CompareCell | null)[] }[];
  meta: Page<unknown>["meta"];
}
