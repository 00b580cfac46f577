import { api } from "../api/instance.ts";
import { serverTypesFromCatalog } from "../lib/catalog.ts";
import { usePolled } from "../lib/hooks.ts";
import { NewTaskForm } from "./NewTaskForm.tsx";
import { TaskList } from "./TaskList.tsx";

export function TasksView() {
  const catalog = usePolled(
    () => api.serverTypes(),
    () => null,
    "server-types",
  );
  const serverTypes = catalog.data ? serverTypesFromCatalog(catalog.data) : undefined;
  return (
    <div className="tasks-page">
      <h1>Tasks</h1>
      <p className="muted">
        Give Claude a job on a repository: it works in its own workspace on a branch, opens a pull request,
        and the VM goes away when it is done.
      </p>
      <NewTaskForm
        repositories={api.listRepositories}
        onCreated={(task) => window.location.assign(`#/t/${task.id}`)}
        {...(serverTypes ? { serverTypes } : {})}
      />
      <TaskList />
    </div>
  );
}
