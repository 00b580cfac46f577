import type { CloudImage, ServerProvider, ServerTypePrice } from "./types.ts";

/**
 * Hetzner's catalog and the deployment's Berth images change rarely; one lookup per isolate every
 * ten minutes keeps the 3600-requests-an-hour budget (a new image is used within ten minutes).
 */
export const catalogCacheMs = 10 * 60_000;

interface Entry<T> {
  at: number;
  value: Promise<T>;
}

export interface CatalogStore {
  entry?: Entry<ServerTypePrice[]> | undefined;
  /** Image lookups by `<selector> <architecture>`. */
  images?: Map<string, Entry<CloudImage[]>>;
}

/** The cached value when fresh, else a new fetch; a failed fetch is not kept. */
function cached<T>(
  get: () => Entry<T> | undefined,
  set: (e: Entry<T> | undefined) => void,
  fetch: () => Promise<T>,
  now: () => number,
): Promise<T> {
  const hit = get();
  if (hit && now() - hit.at <= catalogCacheMs) return hit.value;
  const entry: Entry<T> = { at: now(), value: fetch() };
  set(entry);
  entry.value.catch(() => {
    if (get() === entry) set(undefined);
  });
  return entry.value;
}

/**
 * The provider with `listServerTypePrices` and `listImages` cached in `store` (one per Worker
 * environment): the server-types list and every create share one fetch.
 */
export function withCachedCatalog(
  provider: ServerProvider,
  store: CatalogStore,
  now: () => number = () => Date.now(),
): ServerProvider {
  return {
    ...provider,
    listServerTypePrices() {
      return cached(
        () => store.entry,
        (e) => {
          store.entry = e;
        },
        () => provider.listServerTypePrices(),
        now,
      );
    },
    listImages(labelSelector, architecture) {
      store.images ??= new Map();
      const images = store.images;
      const key = `${labelSelector} ${architecture}`;
      return cached(
        () => images.get(key),
        (e) => (e ? images.set(key, e) : images.delete(key)),
        () => provider.listImages(labelSelector, architecture),
        now,
      );
    },
  };
}
