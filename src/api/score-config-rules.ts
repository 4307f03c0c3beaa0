/**
 * The check of a score against its score config, with the server's messages
 * (packages/shared/src/server/ingestion/validateAndInflateScore.ts). One function for the
 * embedded store, the local server and the SDK's client-side validation, so all three refuse
 * the same scores with the same words.
 */
import type { ScoreDataType } from "./types";
import type { ScoreConfig } from "./types-v4";

/** The server's message for a score that does not fit `config`, or undefined. */
export function scoreConfigProblem(
  config: Pick<ScoreConfig, "name" | "dataType" | "isArchived" | "minValue" | "maxValue" | "categories">,
  score: { name: string; dataType?: ScoreDataType; value: unknown },
): string | undefined {
  if (score.dataType && score.dataType !== config.dataType) return `Data type mismatch based on config: expected ${config.dataType}, got ${score.dataType}`;
  if (config.isArchived) return "Config is archived and cannot be used to create new scores. Please restore the config first.";
  if (config.name !== score.name) return `Name mismatch based on config: expected ${config.name}, got ${score.name}`;
  const prefix = "Ingested score body not valid against provided config: ";
  const v = score.value;
  switch (config.dataType) {
    case "NUMERIC":
      if (typeof v !== "number") return `${prefix}value - Expected number, received ${typeof v}`;
      if (typeof config.maxValue === "number" && v > config.maxValue) return `${prefix} - Value exceeds maximum value of ${config.maxValue} defined in config`;
      if (typeof config.minValue === "number" && v < config.minValue) return `${prefix} - Value is below minimum value of ${config.minValue} defined in config`;
      return undefined;
    case "CATEGORICAL":
      if (typeof v !== "string") return `${prefix}value - Expected string, received ${typeof v}`;
      if (!(config.categories ?? []).some((c) => c.label === v)) return `${prefix} - Value ${v} does not map to a valid category. Pass a valid category value.`;
      return undefined;
    case "BOOLEAN":
      if (v !== 0 && v !== 1) return `${prefix}value - Value must be either 0 or 1`;
      return undefined;
    case "TEXT":
      if (typeof v !== "string" || v.length < 1 || v.length > 500) return `${prefix}value - String must contain between 1 and 500 character(s)`;
      return undefined;
  }
}

/** The 404 message when a score names a config that does not exist. */
export const UNKNOWN_SCORE_CONFIG_MESSAGE = "The configId you provided does not match a valid config in this project";
