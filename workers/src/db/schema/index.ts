export * from "./auth.ts";
export * from "./environment.ts";
export * from "./push.ts";
export * from "./snapshots.ts";
export * from "./tasks.ts";
export * from "./workspaces.ts";
