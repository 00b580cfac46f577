import { describe, expect, it, vi } from "vitest";
import { createClient } from "../src/api/client.ts";
import { ApiError, describeError, NetworkError } from "../src/api/errors.ts";

type Call = { url: string; init: RequestInit };

function fakeFetch(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const call = { url: String(input), init: init ?? {} };
    calls.push(call);
    return respond(call);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the promise to reject");
}

describe("API client errors", () => {
  it("turns a 422 into an ApiError carrying every detail, findable by field", async () => {
    const { fetch } = fakeFetch(() =>
      json(422, {
        error: {
          code: "validation_failed",
          message: "repo_url: must be an https://, http://, ssh:// or git@host:path repository URL",
          details: [
            {
              path: "repo_url",
              message: "must be an https://, http://, ssh:// or git@host:path repository URL",
            },
            { path: "idle_timeout_minutes", message: "Too small: expected number to be >=5" },
            { nonsense: true },
          ],
        },
      }),
    );
    const err = await caught(createClient({ fetch }).createWorkspace({ repo_url: "ftp://x" }, "k1"));
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(422);
    expect(e.code).toBe("validation_failed");
    expect(e.isValidation).toBe(true);
    expect(e.details).toHaveLength(2);
    expect(e.detailsFor("repo_url")).toEqual([
      "must be an https://, http://, ssh:// or git@host:path repository URL",
    ]);
    expect(e.detailsFor("idle_timeout_minutes")).toEqual(["Too small: expected number to be >=5"]);
    expect(e.detailsFor("branch")).toEqual([]);
  });

  it("reports a 401 as unauthorized and tells the app the session ended", async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = fakeFetch(() =>
      json(401, { error: { code: "unauthorized", message: "sign in or send an API key" } }),
    );
    const err = await caught(createClient({ fetch, onUnauthorized }).me());
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).isUnauthorized).toBe(true);
    expect((err as ApiError).message).toBe("sign in or send an API key");
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("does not call onUnauthorized for other errors", async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = fakeFetch(() =>
      json(404, { error: { code: "not_found", message: "workspace not found" } }),
    );
    const err = await caught(createClient({ fetch, onUnauthorized }).getWorkspace("abc"));
    expect((err as ApiError).isNotFound).toBe(true);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it("recognises 409 limit_reached apart from other conflicts", async () => {
    const { fetch } = fakeFetch((call) =>
      call.url.endsWith("/terminal-token")
        ? json(409, { error: { code: "conflict", message: "the workspace is booting" } })
        : json(409, { error: { code: "limit_reached", message: "at most 5 live workspaces" } }),
    );
    const client = createClient({ fetch });
    const limit = (await caught(client.createWorkspace({ repo_url: "https://h/r" }, "k"))) as ApiError;
    expect(limit.status).toBe(409);
    expect(limit.isLimitReached).toBe(true);
    expect(limit.message).toBe("at most 5 live workspaces");
    const conflict = (await caught(client.terminalToken("abc"))) as ApiError;
    expect(conflict.isLimitReached).toBe(false);
    expect(conflict.code).toBe("conflict");
  });

  it("wraps a failed fetch (no response at all) in a NetworkError", async () => {
    const { fetch } = fakeFetch(() => {
      throw new TypeError("Failed to fetch");
    });
    const err = await caught(createClient({ fetch }).listWorkspaces());
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).cause).toBeInstanceOf(TypeError);
    expect(describeError(err)).toMatch(/could not reach berth/i);
  });

  it("copes with error bodies that are not the API's shape", async () => {
    const { fetch } = fakeFetch((call) =>
      call.url.includes("sign-in")
        ? json(400, { message: "Provider not found", code: "PROVIDER_NOT_FOUND" })
        : new Response("<html>Bad gateway</html>", { status: 502 }),
    );
    const client = createClient({ fetch });
    const html = (await caught(client.me())) as ApiError;
    expect(html).toBeInstanceOf(ApiError);
    expect(html.code).toBe("internal_error");
    expect(html.message).toBe("Request failed (HTTP 502).");
    const auth = (await caught(client.signIn("http://localhost:8787/"))) as ApiError;
    expect(auth.code).toBe("bad_request");
    expect(auth.message).toBe("Provider not found");
  });
});

describe("API client requests", () => {
  it("sends JSON, the session cookie and the Idempotency-Key on create", async () => {
    const { fetch, calls } = fakeFetch(() => json(201, { id: "w1" }));
    const ws = await createClient({ fetch, baseUrl: "http://b" }).createWorkspace(
      { repo_url: "https://github.com/o/r.git", idle_timeout_minutes: 10 },
      "key-123",
    );
    expect(ws.id).toBe("w1");
    const [call] = calls;
    expect(call?.url).toBe("http://b/api/workspaces");
    expect(call?.init.method).toBe("POST");
    expect(call?.init.credentials).toBe("include");
    const headers = call?.init.headers as Record<string, string>;
    expect(headers["idempotency-key"]).toBe("key-123");
    expect(headers["content-type"]).toBe("application/json");
    expect(JSON.parse(String(call?.init.body))).toEqual({
      repo_url: "https://github.com/o/r.git",
      idle_timeout_minutes: 10,
    });
  });

  it("builds the list query and returns undefined for 204s", async () => {
    const { fetch, calls } = fakeFetch((call) =>
      call.init.method === "DELETE"
        ? new Response(null, { status: 204 })
        : json(200, { workspaces: [], next_cursor: null }),
    );
    const client = createClient({ fetch });
    await client.listWorkspaces({ includeEnded: true, cursor: "123_abc", limit: 20 });
    expect(calls[0]?.url).toBe("/api/workspaces?limit=20&cursor=123_abc&include_ended=true");
    await client.listWorkspaces();
    expect(calls[1]?.url).toBe("/api/workspaces");
    await expect(client.revokeApiKey("k/1")).resolves.toBeUndefined();
    expect(calls[2]?.url).toBe("/api/keys/k%2F1");
  });

  it("signs out with an empty JSON body", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { success: true }));
    await createClient({ fetch }).signOut();
    expect(calls[0]?.url).toBe("/api/auth/sign-out");
    expect(calls[0]?.init.body).toBe("{}");
  });
});
