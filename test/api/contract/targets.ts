import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpApi } from "../../../src/api/http/http-api";
import { fromOtlpRequest, ingestSpans, LocalApi, openLocalStore } from "../../../src/local";
import type { ContractTarget } from "./api-contract";

export async function localTarget(): Promise<ContractTarget> {
  const dir = mkdtempSync(join(tmpdir(), "lfd-contract-"));
  const store = openLocalStore(join(dir, "nested", "langfuse.db"));
  return {
    api: new LocalApi(store),
    sendOtlp: async (request) => {
      ingestSpans(store, fromOtlpRequest(request));
    },
    eventual: false,
    legacyReads: true,
    close: async () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function httpTarget(baseUrl: string, publicKey: string, secretKey: string, opts: { eventual: boolean; legacyReads: boolean; close?: () => Promise<void> }): ContractTarget {
  return {
    api: new HttpApi({ baseUrl, publicKey, secretKey, timeoutSeconds: 20, maxRetries: 2 }),
    sendOtlp: async (request) => {
      const res = await fetch(`${baseUrl}/api/public/otel/v1/traces`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Authorization: `Basic ${Buffer.from(`${publicKey}:${secretKey}`).toString("base64")}`,
          "x-langfuse-ingestion-version": "4",
        },
        body: JSON.stringify(request),
      });
      if (!res.ok) throw new Error(`OTLP export failed: ${res.status} ${await res.text()}`);
    },
    eventual: opts.eventual,
    legacyReads: opts.legacyReads,
    close: opts.close ?? (async () => undefined),
  };
}
