/**
 * Hash routing: every view has a deep link (`#/traces/<id>?obs=<id>`) that survives reloads
 * and works from a plain static file server, with no server-side route per view.
 */
import { useEffect, useState } from "preact/hooks";

export interface Route {
  /** Decoded path segments: `#/datasets/qa/compare` → ["datasets", "qa", "compare"]. */
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string = location.hash): Route {
  const raw = hash.replace(/^#\/?/, "");
  const q = raw.indexOf("?");
  const path = q === -1 ? raw : raw.slice(0, q);
  const parts = path
    .split("/")
    .filter((p) => p !== "")
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { parts, query: new URLSearchParams(q === -1 ? "" : raw.slice(q + 1)) };
}

export function href(parts: (string | number)[], query?: Record<string, string | number | undefined | null | string[]>): string {
  const path = parts.map((p) => encodeURIComponent(String(p))).join("/");
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) for (const x of v) params.append(k, x);
    else params.set(k, String(v));
  }
  const qs = params.toString();
  return `#/${path}${qs ? `?${qs}` : ""}`;
}

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const onChange = () => setRoute(parseHash());
    window.addEventListener("hashchange", onChange);
    window.addEventListener("popstate", onChange);
    return () => {
      window.removeEventListener("hashchange", onChange);
      window.removeEventListener("popstate", onChange);
    };
  }, []);
  return route;
}
