import type { CloudServer, ServerProvider, ServerSpec, ServerTypePrice } from "../types.ts";
import { hetznerFirewalls } from "./firewalls.ts";
import type { HetznerRequester } from "./http.ts";
import { listAll } from "./list.ts";
import {
  serverCreateBody,
  toCloudImage,
  toCloudServer,
  toPrices,
  type WireImage,
  type WireServer,
  type WireServerType,
} from "./wire.ts";

export function hetznerServers(request: HetznerRequester): ServerProvider {
  return {
    async createServer(spec: ServerSpec): Promise<CloudServer> {
      const body = await request<{ server: WireServer }>({
        method: "POST",
        path: "/servers",
        body: serverCreateBody(spec),
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

    async listImages(labelSelector, architecture) {
      const images = await listAll<WireImage>(request, "/images", "images", {
        type: "snapshot",
        label_selector: labelSelector,
        architecture,
      });
      return images.map(toCloudImage);
    },

    ...hetznerFirewalls(request),
  };
}
