import { CreateWorkspaceForm } from "./CreateWorkspaceForm.tsx";
import { WorkspaceList } from "./WorkspaceList.tsx";

export function WorkspacesView() {
  return (
    <>
      <CreateWorkspaceForm onCreated={(ws) => window.location.assign(`#/w/${ws.id}`)} />
      <WorkspaceList />
    </>
  );
}
