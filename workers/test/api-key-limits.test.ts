import { describe, expect, it } from "vitest";
import { expectError } from "./support/api-cases.ts";
import { api, freshLogin, signIn } from "./support/session.ts";

type Page = { api_keys: Array<{ id: string; name: string }>; next_cursor: string | null };

describe("API keys: a cap per user and a paginated list", () => {
  it("the 26th key is refused with 409 limit_reached; revoking one makes room", async () => {
    const cookie = await signIn(freshLogin("keys"));
    const create = (name: string) =>
      api("/api/keys", { method: "POST", headers: { cookie }, body: JSON.stringify({ name }) });
    for (let i = 0; i < 25; i++) expect((await create(`key ${i}`)).status).toBe(201);
    const refused = await expectError(await create("one too many"), 409, "limit_reached");
    expect(refused.error.message).toContain("25");

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api(`/api/keys?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
        headers: { cookie },
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      expect(page.api_keys.length).toBeLessThanOrEqual(10);
      seen.push(...page.api_keys.map((k) => k.name));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(25);

    const first = ((await (await api("/api/keys?limit=1", { headers: { cookie } })).json()) as Page)
      .api_keys[0];
    expect((await api(`/api/keys/${first?.id}`, { method: "DELETE", headers: { cookie } })).status).toBe(204);
    expect((await create("fits again")).status).toBe(201);
  }, 60_000);

  it("refuses a malformed cursor or limit with 422", async () => {
    const cookie = await signIn(freshLogin("keypage"));
    for (const query of ["limit=0", "limit=101", "cursor=nope"]) {
      await expectError(await api(`/api/keys?${query}`, { headers: { cookie } }), 422, "validation_failed");
    }
  });
});
