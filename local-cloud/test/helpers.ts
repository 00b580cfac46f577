import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "../src/index.ts";

export const HETZNER_TOKEN = "local-hetzner-token";
export const CF_TOKEN = "local-cloudflare-token";

/** Starts local-cloud on ephemeral loopback ports. */
export function startEphemeral(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  return startLocalCloud({
    hetznerPort: 0,
    cloudflarePort: 0,
    githubPort: 0,
    anthropicPort: 0,
    pushPort: 0,
    ...opts,
  });
}

export function hetzner(cloud: LocalCloud, token = HETZNER_TOKEN) {
  return async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${cloud.urls.hetzner}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: test responses are loosely typed JSON
    const json = (await res.json()) as any;
    return { status: res.status, headers: res.headers, json };
  };
}

export function serverBody(name: string, extra: Record<string, unknown> = {}) {
  return { name, server_type: "cx23", image: "ubuntu-24.04", location: "fsn1", ...extra };
}
