/**
 * The commit identity: the GitHub noreply address by default, or a verified email the person
 * chooses (checked against GitHub's GET /user/emails with their own token, through the stand-in).
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workspaceGit } from "../src/github/identity.ts";
import { expectError, newUser, type TestUser } from "./support/api-cases.ts";
import { depsAt } from "./support/lifecycle.ts";
import { api, githubControl } from "./support/session.ts";

interface IdentityJson {
  name: string;
  email: string;
  noreply_email: string | null;
  chosen_email: string | null;
}

const identity = async (cookie: string) =>
  (await (await api("/api/me/git-identity", { headers: { cookie } })).json()) as IdentityJson;
const setEmail = (cookie: string, email: string | null) =>
  api("/api/me/git-identity", { method: "PUT", headers: { cookie }, body: JSON.stringify({ email }) });

describe("the commit identity", () => {
  let user: TestUser;
  let githubId: string;
  beforeAll(async () => {
    user = await newUser("ident");
    const row = await env.DB.prepare(
      "select account_id from account where user_id = ? and provider_id = 'github'",
    )
      .bind(user.id)
      .first<{ account_id: string }>();
    githubId = row?.account_id ?? "";
  });
  afterAll(async () => {
    await githubControl(`users/${user.login}/email`, "PUT", { verified: true });
  });

  it("defaults to the person's GitHub noreply address", async () => {
    const noreply = `${githubId}+${user.login}@users.noreply.github.com`;
    expect(await identity(user.cookie)).toEqual({
      name: user.login,
      email: noreply,
      noreply_email: noreply,
      chosen_email: null,
    });
    const git = await workspaceGit(depsAt(), { ownerId: user.id, githubRepository: "acme/api" });
    expect(git?.user_email).toBe(noreply);
  });

  it("takes a verified email the person chooses, and it reaches the bootstrap", async () => {
    const chosen = `${user.login}@example.com`;
    await githubControl(`users/${user.login}/email`, "PUT", { email: chosen, verified: true });
    const res = await setEmail(user.cookie, chosen);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as IdentityJson).email).toBe(chosen);
    const git = await workspaceGit(depsAt(), { ownerId: user.id, githubRepository: "acme/api" });
    expect(git?.user_email).toBe(chosen);
  });

  it("refuses an email GitHub has not verified for this person, and goes back to noreply on null", async () => {
    await githubControl(`users/${user.login}/email`, "PUT", {
      email: `${user.login}@unverified.test`,
      verified: false,
    });
    await expectError(await setEmail(user.cookie, `${user.login}@unverified.test`), 422, "validation_failed");
    await expectError(await setEmail(user.cookie, "someone-else@example.com"), 422, "validation_failed");
    const back = await setEmail(user.cookie, null);
    expect(back.status).toBe(200);
    expect(((await back.json()) as IdentityJson).chosen_email).toBeNull();
  });
});
