/** What the mapping produces for one span: the observation row and the trace fields it sets. */
import type { ObservationLevel, ObservationType } from "../../../api/types";

export interface ObservationRecord {
  id: string;
  traceId: string;
  parentObservationId: string | null;
  type: ObservationType;
  name: string;
  environment: string;
  startTime: string;
  endTime: string | null;
  completionStartTime: string | null;
  version: string | null;
  input: string | null;
  output: string | null;
  /** JSON object text of the span's own metadata (user keys, foreign attributes). */
  metadata: string;
  /** JSON object text `{"resourceAttributes":…,"scope":…}`, merged over `metadata` on read. */
  resourceJson: string;
  level: ObservationLevel;
  statusMessage: string | null;
  model: string | null;
  modelParameters: string | null;
  usageDetails: Record<string, number>;
  costDetails: Record<string, number>;
  totalCost: number | null;
  promptName: string | null;
  promptVersion: number | null;
  experiment: string | null;
}

export interface TraceUpdate {
  id: string;
  timestamp: string;
  /** A root span: its start is the trace timestamp; its name and IO are the fallbacks. */
  isRoot: boolean;
  name?: string;
  nameExplicit: boolean;
  userId?: string;
  sessionId?: string;
  release?: string;
  version?: string;
  environment: string;
  /** Whether `environment` came from an attribute rather than the default. */
  environmentExplicit: boolean;
  public?: boolean;
  tags?: string[];
  input?: string;
  inputExplicit: boolean;
  output?: string;
  outputExplicit: boolean;
  metadata?: Record<string, unknown>;
}

export interface MappedSpan {
  observation: ObservationRecord;
  trace: TraceUpdate;
}
