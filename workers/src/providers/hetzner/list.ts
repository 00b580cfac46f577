import type { HetznerRequester } from "./http.ts";
import type { WirePagination } from "./wire.ts";

/** Hetzner's maximum page size: fewer requests against the 3600/hour budget. */
const PER_PAGE = 50;
/** A guard against a server whose next_page never ends; 200 pages = 10 000 items. */
const MAX_PAGES = 200;

export async function listAll<T>(
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
