/**
 * The terminal page: tabs over the agent's sessions, a banner (idle warning), a status line, and
 * the touch key bar. Served as an ES module; `@xterm/*` resolve through the page's import map.
 */
import { type CreateSessionRequest, type SessionInfo, sessionPath, sessionsPath } from "../terminal/wire.ts";
import { KeyBar } from "./keybar.ts";
import { SessionView } from "./session-view.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const tablist = $<HTMLDivElement>("tablist");
const terms = $<HTMLElement>("terms");
const banner = $<HTMLDivElement>("banner");
const statusEl = $<HTMLElement>("status");

const views = new Map<string, SessionView>();
let active: SessionView | null = null;
let agentStatus = "";
let fatal: string | null = null;

/**
 * Human-input detection: xterm.js reports its own answers to terminal queries through the same
 * onData as typing. Only input right after a real gesture counts as human (idle detection).
 */
let lastGesture = 0;
const gesture = () => {
  lastGesture = performance.now();
};
for (const type of ["keydown", "paste", "compositionend", "beforeinput", "pointerdown", "wheel", "drop"]) {
  window.addEventListener(type, gesture, { capture: true, passive: true });
}
const isHuman = () => performance.now() - lastGesture < 1000;

const keybar = KeyBar.wanted()
  ? new KeyBar($("keybar"), {
      sendKeys: (data) => active?.sendKeys(data),
      applicationCursor: () => active?.term.modes.applicationCursorKeysMode ?? false,
      touched: gesture,
    })
  : null;

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: { "content-type": "application/json" } });
  if (res.status === 401) {
    fatal = "Your terminal login expired: open this workspace again from the dashboard.";
    render();
    throw new Error("unauthorized");
  }
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

function addView(info: SessionInfo): SessionView {
  const view = new SessionView(info, terms, {
    onState: render,
    onBanner: (text) => {
      banner.textContent = text ?? "";
      banner.hidden = text === null;
    },
    onExit: (v) => void closeView(v, false),
    onTrouble: (v) => void checkSession(v),
    isHuman,
    transformInput: (data) => keybar?.transform(data) ?? data,
  });
  views.set(info.id, view);
  return view;
}

function select(view: SessionView): void {
  active = view;
  for (const v of views.values()) v.show(v === view);
  history.replaceState(null, "", `#${view.info.id}`);
  render();
}

async function newTab(): Promise<void> {
  const body: CreateSessionRequest = active ? { cols: active.term.cols, rows: active.term.rows } : {};
  const info = await api<SessionInfo>(sessionsPath(), { method: "POST", body: JSON.stringify(body) });
  select(addView(info));
}

async function closeView(view: SessionView, kill: boolean): Promise<void> {
  if (kill) await api(sessionPath(view.info.id), { method: "DELETE" }).catch(() => undefined);
  views.delete(view.info.id);
  view.dispose();
  if (active === view) {
    const next = [...views.values()].at(-1);
    if (next) select(next);
    else await newTab();
  }
  render();
}

/** After repeated reconnect failures: is the session still there (agent restarted?) and are we logged in? */
async function checkSession(view: SessionView): Promise<void> {
  const list = await api<SessionInfo[]>(sessionsPath()).catch(() => null);
  if (list && !list.some((s) => s.id === view.info.id)) await closeView(view, false);
}

function render(): void {
  tablist.replaceChildren(
    ...[...views.values()].map((v) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.className = `tab${v.state === "offline" ? " offline" : ""}`;
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-selected", String(v === active));
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = v.info.name;
      const close = document.createElement("span");
      close.className = "close";
      close.textContent = "×";
      close.title = "Close terminal";
      close.addEventListener("click", (ev) => {
        ev.stopPropagation();
        void closeView(v, true);
      });
      tab.append(label, close);
      tab.addEventListener("click", () => select(v));
      return tab;
    }),
  );
  const state = fatal ?? describe(active);
  statusEl.textContent = agentStatus ? `${state} · ${agentStatus}` : state;
  statusEl.classList.toggle("offline", fatal !== null || active?.state === "offline");
}

function describe(view: SessionView | null): string {
  if (!view) return "no terminal";
  const size = `${view.term.cols}×${view.term.rows}`;
  switch (view.state) {
    case "online":
      return `● ${view.info.name} · ${size}`;
    case "offline":
      return `reconnecting ${view.info.name}… (attempt ${view.failures})`;
    case "connecting":
      return `connecting ${view.info.name}…`;
    case "ended":
      return `${view.info.name} ended`;
  }
}

/** The agent's status line (e.g. idle countdown): shows `summary` or `state` if the agent has one. */
async function pollStatus(): Promise<void> {
  try {
    const res = await fetch("/status");
    if (res.ok) {
      const s = (await res.json()) as { summary?: unknown; state?: unknown };
      agentStatus = typeof s.summary === "string" ? s.summary : typeof s.state === "string" ? s.state : "";
      render();
    }
  } catch {
    // Offline: the tabs already say so.
  }
}

async function main(): Promise<void> {
  $("newtab").addEventListener("click", () => void newTab());
  new ResizeObserver(() => {
    active?.fitNow();
    // The status line shows the terminal's size; refresh it after a refit.
    render();
  }).observe(terms);
  const list = await api<SessionInfo[]>(sessionsPath());
  for (const info of list) addView(info);
  const wanted = views.get(location.hash.slice(1)) ?? [...views.values()][0];
  if (wanted) select(wanted);
  else await newTab();
  void pollStatus();
  setInterval(pollStatus, 30_000);
}

void main();
