export * from "./auth.ts";
export * from "./workspaces.ts";
