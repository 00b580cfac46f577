import type { ServerProvider, ServerTypePrice } from "./types.ts";

/** Hetzner's catalog changes rarely; one lookup per isolate every ten minutes keeps the budget. */
export const catalogCacheMs = 10 * 60_000;

interface Entry {
  at: number;
  prices: Promise<ServerTypePrice[]>;
}

export interface CatalogStore {
  entry?: Entry | undefined;
}

/**
 * The provider with `listServerTypePrices` cached in `store` (one per Worker environment): the
 * server-types list and every create share one fetch. A failed fetch is not kept.
 */
export function withCachedCatalog(
  provider: ServerProvider,
  store: CatalogStore,
  now: () => number = () => Date.now(),
): ServerProvider {
  return {
    ...provider,
    listServerTypePrices() {
      const cached = store.entry;
      if (cached && now() - cached.at <= catalogCacheMs) return cached.prices;
      const entry: Entry = { at: now(), prices: provider.listServerTypePrices() };
      store.entry = entry;
      entry.prices.catch(() => {
        if (store.entry === entry) store.entry = undefined;
      });
      return entry.prices;
    },
  };
}
