/**
 * The Hetzner calls an image build makes, on the control plane's own requester (one HTTP call each,
 * Hetzner's error codes kept, the token never in an error).
 */
import {
  createHetznerRequester,
  type HetznerClientOptions,
} from "../../../workers/src/providers/hetzner/http.ts";
import { listAll } from "../../../workers/src/providers/hetzner/list.ts";
import { serverCreateBody } from "../../../workers/src/providers/hetzner/wire.ts";

export interface WireImage {
  id: number;
  status: string;
  type: string;
  description: string;
  created: string;
  architecture: string;
  labels: Record<string, string>;
}

export interface WireAction {
  id: number;
  command: string;
  status: "running" | "success" | "error";
  error: { code: string; message: string } | null;
}

export interface BuildServerSpec {
  name: string;
  serverType: string;
  location: string;
  image: string;
  userData: string;
  labels: Record<string, string>;
}

export interface ImageBuildApi {
  /** Snapshots matching a label selector, for one architecture (every page). */
  listImages(labelSelector: string, architecture: string): Promise<WireImage[]>;
  createServer(spec: BuildServerSpec): Promise<{ id: number; status: string }>;
  /** The server with this name, if any (a create whose answer was lost may still have made it). */
  findServer(name: string): Promise<{ id: number; status: string } | null>;
  /** null once the server is gone. */
  getServer(id: number): Promise<{ id: number; status: string } | null>;
  deleteServer(id: number): Promise<void>;
  createImage(
    serverId: number,
    body: { description: string; labels: Record<string, string> },
  ): Promise<{ image: WireImage; action: WireAction }>;
  getAction(id: number): Promise<WireAction>;
}

export function hetznerImageBuildApi(opts: HetznerClientOptions): ImageBuildApi {
  const request = createHetznerRequester(opts);
  return {
    listImages: (labelSelector, architecture) =>
      listAll<WireImage>(request, "/images", "images", {
        type: "snapshot",
        label_selector: labelSelector,
        architecture,
      }),
    async createServer(spec) {
      const body = await request<{ server: { id: number; status: string } }>({
        method: "POST",
        path: "/servers",
        body: serverCreateBody(spec),
      });
      return body.server;
    },
    async findServer(name) {
      const body = await request<{ servers: Array<{ id: number; status: string }> }>({
        method: "GET",
        path: "/servers",
        query: { name },
      });
      return body.servers[0] ?? null;
    },
    async getServer(id) {
      const body = await request<{ server: { id: number; status: string } }>({
        method: "GET",
        path: `/servers/${id}`,
        notFoundOk: true,
      });
      return body?.server ?? null;
    },
    async deleteServer(id) {
      await request({ method: "DELETE", path: `/servers/${id}`, notFoundOk: true });
    },
    createImage: (serverId, body) =>
      request<{ image: WireImage; action: WireAction }>({
        method: "POST",
        path: `/servers/${serverId}/actions/create_image`,
        body: { type: "snapshot", description: body.description, labels: body.labels },
      }),
    async getAction(id) {
      return (await request<{ action: WireAction }>({ method: "GET", path: `/actions/${id}` })).action;
    },
  };
}
