import { useCallback, useEffect, useState } from "react";
import { ApiError } from "./api/errors.ts";
import { api, unauthorizedEvent } from "./api/instance.ts";
import type { Me } from "./api/types.ts";
import { Header } from "./components/Header.tsx";
import { ErrorMessage, Loading } from "./components/Status.tsx";
import { useHashRoute } from "./lib/hooks.ts";
import { NotFoundView } from "./views/NotFoundView.tsx";
import { SettingsView } from "./views/SettingsView.tsx";
import { SignInView } from "./views/SignInView.tsx";
import { TasksView } from "./views/TasksView.tsx";
import { TaskView } from "./views/TaskView.tsx";
import { WorkspacesView } from "./views/WorkspacesView.tsx";
import { WorkspaceView } from "./views/WorkspaceView.tsx";

type Session =
  | { status: "loading" }
  | { status: "signed-out" }
  | { status: "in"; me: Me }
  | { status: "error"; error: unknown };

export function App() {
  const [session, setSession] = useState<Session>({ status: "loading" });
  const route = useHashRoute();

  const loadMe = useCallback(async () => {
    setSession({ status: "loading" });
    try {
      setSession({ status: "in", me: await api.me() });
    } catch (error) {
      setSession(
        error instanceof ApiError && error.isUnauthorized
          ? { status: "signed-out" }
          : { status: "error", error },
      );
    }
  }, []);

  useEffect(() => {
    void loadMe();
    const onUnauthorized = () => setSession({ status: "signed-out" });
    window.addEventListener(unauthorizedEvent, onUnauthorized);
    return () => window.removeEventListener(unauthorizedEvent, onUnauthorized);
  }, [loadMe]);

  if (session.status === "loading") {
    return (
      <main className="page">
        <Loading />
      </main>
    );
  }
  if (session.status === "error") {
    return (
      <main className="page">
        <h1>Berth</h1>
        <ErrorMessage error={session.error} onRetry={loadMe} />
      </main>
    );
  }
  if (session.status === "signed-out") return <SignInView />;

  return (
    <>
      <Header me={session.me} onSignedOut={() => setSession({ status: "signed-out" })} />
      <main className="page">{renderRoute(route)}</main>
    </>
  );
}

function renderRoute(route: string) {
  if (route === "/" || route === "") return <WorkspacesView />;
  if (route === "/settings") return <SettingsView />;
  if (route === "/tasks" || route === "/tasks/") return <TasksView />;
  const task = /^\/t\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/?$/.exec(route);
  if (task?.[1]) return <TaskView key={task[1]} id={task[1]} />;
  const match = /^\/w\/([a-z0-9]{1,32})\/?$/.exec(route);
  if (match?.[1]) return <WorkspaceView key={match[1]} id={match[1]} />;
  return <NotFoundView />;
}
