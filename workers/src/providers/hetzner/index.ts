import type { ServerProvider } from "../types.ts";
import { createHetznerRequester, type HetznerClientOptions } from "./http.ts";
import { hetznerServers } from "./servers.ts";

export type { HetznerClientOptions } from "./http.ts";

/** The ServerProvider for Hetzner Cloud API v1 (or local-cloud's stand-in at another baseUrl). */
export function createHetznerProvider(opts: HetznerClientOptions): ServerProvider {
  return hetznerServers(createHetznerRequester(opts));
}
