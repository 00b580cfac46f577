export * from "./agent-config.ts";
export * from "./agent-paths.ts";
export * from "./callback-paths.ts";
export * from "./callbacks.ts";
export * from "./claude.ts";
export * from "./errors.ts";
export * from "./terminal-token.ts";
export * from "./workspace.ts";
