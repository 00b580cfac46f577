import type { CloudServer, ServerProvider, ServerSpec, ServerTypePrice } from "../types.ts";
import type { HetznerRequester } from "./http.ts";
import {
  toCloudServer,
  toPrices,
  type WirePagination,
  type WireServer,
  type WireServerType,
} from "./wire.ts";

/** Hetzner's maximum page size: fewer requests against the 3600/hour budget. */
const PER_PAGE = 50;
/** A guard against a server whose next_page never ends; 200 pages = 10 000 items. */
const MAX_PAGES = 200;

async function listAll<T>(
  request: HetznerRequester,
  path: string,
  key: string,
  query: Record<string, string> = {},
): Promise<T[]> {
  const items: T[] = [];
  let page: number | null = 1;
  for (let n = 0; page !== null && n < MAX_PAGES; n++) {
    const body: Record<string, unknown> & WirePagination = await request<
      Record<string, unknown> & WirePagination
    >({
      method: "GET",
      path,
      query: { ...query, page: String(page), per_page: String(PER_PAGE) },
    });
    const chunk = body[key];
    if (Array.isArray(chunk)) items.push(...(chunk as T[]));
    const next: number | null = body.meta?.pagination?.next_page ?? null;
    // A next_page that does not advance would loop; treat it as the end.
    page = typeof next === "number" && next > page ? next : null;
  }
  return items;
}

export function hetznerServers(request: HetznerRequester): ServerProvider {
  return {
    async createServer(spec: ServerSpec): Promise<CloudServer> {
      const body = await request<{ server: WireServer }>({
        method: "POST",
        path: "/servers",
        body: {
          name: spec.name,
          server_type: spec.serverType,
          location: spec.location,
          image: spec.image,
          user_data: spec.userData,
          labels: spec.labels,
          start_after_create: true,
          public_net: { enable_ipv4: true, enable_ipv6: false },
        },
      });
      return toCloudServer(body.server);
    },

    async getServer(id: number): Promise<CloudServer | null> {
      const body = await request<{ server: WireServer }>({
        method: "GET",
        path: `/servers/${id}`,
        notFoundOk: true,
      });
      return body === null ? null : toCloudServer(body.server);
    },

    async listServers(labelSelector: string): Promise<CloudServer[]> {
      const servers = await listAll<WireServer>(request, "/servers", "servers", {
        label_selector: labelSelector,
      });
      return servers.map(toCloudServer);
    },

    async deleteServer(id: number): Promise<void> {
      // 404: a previous attempt (or someone else) already deleted it, which is what we wanted.
      await request({ method: "DELETE", path: `/servers/${id}`, notFoundOk: true });
    },

    async listServerTypePrices(): Promise<ServerTypePrice[]> {
      const types = await listAll<WireServerType>(request, "/server_types", "server_types");
      return types.flatMap(toPrices);
    },
  };
}
