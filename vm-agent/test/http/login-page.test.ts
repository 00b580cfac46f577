/**
 * Opening the workspace without a valid cookie: a browser gets a page that says what happened and
 * links to the workspace in the dashboard; API, XHR and fetch() callers keep the JSON error.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { renderLoginPage } from "../../src/http/login-page.ts";
import { startTestAgent, type TestAgent, workspaceId } from "../terminal/helpers.ts";

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent();
});
afterAll(async () => {
  await agent.server.stop();
});

const browserNavigation = {
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "sec-fetch-mode": "navigate",
};

test("a browser opening a bookmark without a cookie gets a page linking to the dashboard's workspace", async () => {
  for (const path of ["/", "/some/deep/link"]) {
    const res = await fetch(`${agent.server.url}${path}`, { headers: browserNavigation });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain("needs a fresh login");
    // testConfig's control plane is http://127.0.0.1:9/; the dashboard routes workspaces at #/w/<id>.
    expect(html).toContain(`href="http://127.0.0.1:9/#/w/${workspaceId}"`);
  }
});

test("a stale cookie is treated like none: the page, not a terminal", async () => {
  const res = await fetch(`${agent.server.url}/`, {
    headers: { ...browserNavigation, cookie: `${agent.cookie.split("=")[0]}=forged.value` },
  });
  expect(res.status).toBe(401);
  expect(await res.text()).toContain("Open this workspace in the Berth dashboard");
});

test("API, XHR and fetch() callers keep the JSON error shape", async () => {
  const cases: Array<[string, Record<string, string>]> = [
    ["/api/sessions", { accept: "application/json" }],
    ["/", {}],
    ["/", { ...browserNavigation, "x-requested-with": "XMLHttpRequest" }],
    ["/", { accept: "text/html", "sec-fetch-mode": "cors" }],
  ];
  for (const [path, headers] of cases) {
    const res = await fetch(`${agent.server.url}${path}`, { headers });
    expect({ path, headers, status: res.status }).toEqual({ path, headers, status: 401 });
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe("unauthorized");
  }
});

test("a POST never gets the page", async () => {
  const res = await fetch(`${agent.server.url}/api/sessions`, { method: "POST", headers: browserNavigation });
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toContain("application/json");
});

test("the dashboard link is escaped into the page", () => {
  const html = renderLoginPage(`https://x.example/"><script>alert(1)</script>`);
  expect(html).not.toContain("<script>");
  expect(html).toContain("&#34;&#62;&#60;script&#62;");
});
