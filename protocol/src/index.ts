export * from "./agent-config.ts";
export * from "./callbacks.ts";
export * from "./claude.ts";
export * from "./environment.ts";
export * from "./errors.ts";
export * from "./terminal-token.ts";
export * from "./workspace.ts";
