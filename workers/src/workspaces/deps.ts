import { agentDownload } from "../agent-binaries.ts";
import { createDatabase } from "../db/client.ts";
import type { Env } from "../env.ts";
import { githubAppFrom, githubAppSettings } from "../github/config.ts";
import { type CatalogStore, withCachedCatalog } from "../providers/catalog-cache.ts";
import { createCloudflareDnsProvider } from "../providers/cloudflare-dns/index.ts";
import { createHetznerProvider } from "../providers/hetzner/index.ts";
import { pushConfigFrom } from "../push/config.ts";
import { SecretBox } from "../security/secret-box.ts";
import { parseSigningJwk, publicJwk } from "../security/terminal-tokens.ts";
import { settingsFrom } from "../settings.ts";
import type { LifecycleDeps } from "./reconcile.ts";

/** The price catalog cache, one per Worker environment (bindings live as long as the isolate). */
const catalogs = new WeakMap<Env, CatalogStore>();

function catalogStore(env: Env) {
  let store = catalogs.get(env);
  if (!store) {
    store = {} as CatalogStore;
    catalogs.set(env, store);
  }
  return store;
}

/** Everything the lifecycle needs, built from the Worker's bindings. */
export function lifecycleDeps(env: Env): LifecycleDeps {
  const settings = settingsFrom(env);
  return {
    db: createDatabase(env.DB),
    servers: withCachedCatalog(
      createHetznerProvider({ baseUrl: env.HETZNER_API_URL, token: env.HETZNER_TOKEN }),
      catalogStore(env),
    ),
    dns: createCloudflareDnsProvider({
      baseUrl: env.CLOUDFLARE_API_URL,
      apiToken: env.CLOUDFLARE_API_TOKEN,
      zoneId: env.CLOUDFLARE_ZONE_ID,
      deploymentId: env.DEPLOYMENT_ID,
      domain: env.WORKSPACE_DOMAIN,
    }),
    settings,
    domain: env.WORKSPACE_DOMAIN,
    deployment: env.DEPLOYMENT_ID,
    provisioning: {
      controlPlaneUrl: env.BERTH_PUBLIC_URL,
      terminalPublicKey: publicJwk(parseSigningJwk(env.TERMINAL_SIGNING_KEY)),
      agentFor: (architecture) => agentDownload(env, architecture),
      settings,
    },
    snapshotBucket: env.SNAPSHOTS ?? null,
    box: new SecretBox(env.ENCRYPTION_KEY),
    github: { app: githubAppFrom(env), settings: githubAppSettings(env) },
    push: pushConfigFrom(env),
    now: () => Date.now(),
  };
}
