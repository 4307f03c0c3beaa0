/** What identifies the SDK and authenticates it on every request to a Langfuse server. */
export interface SdkHeaderParams {
  publicKey: string | undefined;
  secretKey: string | undefined;
  sdkName: string;
  sdkVersion: string;
  additionalHeaders?: Record<string, string>;
}

/**
 * The headers every request to a Langfuse server carries (DESIGN.md §4), built once for the
 * management API and the OTLP exporter. `additionalHeaders` are applied last and override the
 * SDK's own, Authorization included, as the official JS SDK's span exporter does (it spreads
 * `additionalHeaders` over its defaults; its generated API client happens to apply them
 * first, we use one rule for both): a proxy that needs its own Authorization or a tenant
 * header can set it. Names compare case-insensitively, so an override never sends two copies.
 */
export function sdkHeaders(params: SdkHeaderParams, extra?: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {
    "x-langfuse-sdk-name": params.sdkName,
    "x-langfuse-sdk-version": params.sdkVersion,
    "x-langfuse-public-key": params.publicKey ?? "<missing>",
    ...extra,
  };
  if (params.publicKey && params.secretKey) {
    headers.Authorization = `Basic ${Buffer.from(`${params.publicKey}:${params.secretKey}`).toString("base64")}`;
  }
  const user = params.additionalHeaders;
  if (!user) return headers;
  const overridden = new Set(Object.keys(user).map((k) => k.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!overridden.has(k.toLowerCase())) out[k] = v;
  return Object.assign(out, user);
}
