import { z } from "zod";

export * from "./ports.ts";
export * from "./secret-names.ts";

import { secretNamePattern } from "./secret-names.ts";

/** The secrets a VM receives at bootstrap: name -> value, only those for its repository. */
export const workspaceSecretsSchema = z.record(z.string().regex(secretNamePattern), z.string());
export type WorkspaceSecrets = z.infer<typeof workspaceSecretsSchema>;

export const listeningPortSchema = z.object({
  port: z.number().int().min(1).max(65535),
  /** The listening process's name (from /proc/<pid>/comm), when the agent could tell. */
  process: z.string().max(64).nullable(),
  /** When the agent first saw something listen on it (ISO). */
  first_seen_at: z.iso.datetime(),
});
export type ListeningPort = z.infer<typeof listeningPortSchema>;
