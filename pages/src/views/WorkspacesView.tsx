import { api } from "../api/instance.ts";
import { serverTypesFromCatalog } from "../lib/catalog.ts";
import { usePolled } from "../lib/hooks.ts";
import { CreateWorkspaceForm } from "./CreateWorkspaceForm.tsx";
import { UsageSummary } from "./UsageSummary.tsx";
import { WorkspaceList } from "./WorkspaceList.tsx";

export function WorkspacesView() {
  // Loaded once per visit: the catalog changes rarely (and the API caches it for ten minutes).
  const catalog = usePolled(
    () => api.serverTypes(),
    () => null,
    "server-types",
  );
  const serverTypes = catalog.data ? serverTypesFromCatalog(catalog.data) : undefined;
  return (
    <>
      <UsageSummary />
      <CreateWorkspaceForm
        repositories={api.listRepositories}
        onCreated={(ws) => window.location.assign(`#/w/${ws.id}`)}
        {...(serverTypes ? { serverTypes } : {})}
      />
      <WorkspaceList />
    </>
  );
}
