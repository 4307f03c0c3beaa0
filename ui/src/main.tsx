import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, setUnauthorizedHandler } from "./api";
import { navigate, useRoute, type Route } from "./router";
import "./styles.css";
import { CompareView } from "./views/compare";
import { DashboardView } from "./views/dashboard";
import { DatasetItemView, DatasetsView, DatasetView } from "./views/datasets";
import { LoginView } from "./views/login";
import { PromptsView, PromptView } from "./views/prompts";
import { SessionsView, SessionView } from "./views/sessions";
import { TracesView } from "./views/traces";
import { TraceView } from "./views/trace";

const NAV: [string, string, string][] = [
  ["traces", "Traces", "t"],
  ["sessions", "Sessions", "s"],
  ["prompts", "Prompts", "p"],
  ["datasets", "Datasets", "d"],
  ["dashboard", "Dashboard", "h"],
];

/**
 * Detail views are keyed by what they show, so moving from one trace (or prompt, dataset) to
 * another mounts a fresh view instead of showing the previous one's data while loading.
 */
function View({ route }: { route: Route }) {
  const [top, id, sub] = route.parts;
  const key = route.parts.join("/");
  switch (top) {
    case "traces":
      return id ? <TraceView key={key} route={route} /> : <TracesView route={route} />;
    case "sessions":
      return id ? <SessionView key={key} route={route} /> : <SessionsView route={route} />;
    case "prompts":
      return id ? <PromptView key={key} route={route} /> : <PromptsView route={route} />;
    case "datasets":
      if (id && sub === "compare") return <CompareView key={key} route={route} />;
      if (id && sub === "items" && route.parts[3]) return <DatasetItemView key={key} route={route} />;
      return id ? <DatasetView key={key} route={route} /> : <DatasetsView route={route} />;
    case "dashboard":
      return <DashboardView route={route} />;
    default:
      return <TracesView route={route} />;
  }
}

type Theme = "light" | "dark";
function initialTheme(): Theme {
  const saved = localStorage.getItem("lfd-theme");
  if (saved === "light" || saved === "dark") return saved;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function App() {
  const route = useRoute();
  const [auth, setAuth] = useState<"unknown" | "in" | "out">("unknown");
  const [theme, setTheme] = useState<Theme>(initialTheme);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("lfd-theme", theme);
  }, [theme]);
  useEffect(() => {
    setUnauthorizedHandler(() => setAuth("out"));
    api.get<{ authenticated: boolean }>("/api/ui/session").then(
      (s) => setAuth(s.authenticated ? "in" : "out"),
      () => setAuth("out"),
    );
  }, []);
  useEffect(() => {
    if (!route.parts.length) navigate("#/traces", true);
  }, [route.parts.length]);

  // Keyboard: "/" focuses the search box, "g" then a letter opens a section (see the nav titles).
  useEffect(() => {
    let pendingG = false;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || t.closest("input, select, textarea")) return;
      if (e.key === "/") {
        const box = document.getElementById("trace-search");
        if (box) (e.preventDefault(), box.focus());
        return;
      }
      if (pendingG) {
        pendingG = false;
        const target = NAV.find((n) => n[2] === e.key);
        if (target) navigate(`#/${target[0]}`);
        return;
      }
      if (e.key === "g") pendingG = true;
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    const name = route.parts[0] ?? "traces";
    document.title = `${route.parts.slice(1).join(" / ") || NAV.find((n) => n[0] === name)?.[1] || "Traces"} · Langfuse local`;
  }, [route]);

  if (auth === "unknown") return <p role="status">Loading…</p>;
  if (auth === "out") return <LoginView onLogin={() => setAuth("in")} />;

  const logout = async () => {
    await api.post("/api/ui/logout", {}).catch(() => undefined);
    setAuth("out");
  };
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Langfuse local</span>
        <nav aria-label="Sections">
          <ul>
            {NAV.map(([path, label, key]) => (
              <li key={path}>
                <a href={`#/${path}`} aria-current={route.parts[0] === path || (!route.parts[0] && path === "traces") ? "page" : undefined} title={`g then ${key}`}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="top-actions">
          <button type="button" onClick={() => setTheme(theme === "dark" ? "light" : "dark")} aria-pressed={theme === "dark"} id="theme-toggle">
            Dark mode
          </button>
          <button type="button" onClick={logout}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <View route={route} />
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
