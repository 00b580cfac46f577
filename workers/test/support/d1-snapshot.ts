import { env } from "cloudflare:workers";

/**
 * A digest of every D1 row that belongs to the given users, per table, plus the row counts of the
 * tables people write to. Two equal snapshots mean no request wrote anything of theirs.
 *
 * Left out on purpose, because they change on requests that are correctly refused:
 * - `session`: better-auth refreshes a session's expiry and updated_at as it is used;
 * - `verification`: every sign-in start (a public operation) stores its OAuth state there;
 * - `workspace_events` of type `bootstrap_refused`: a refused bootstrap is recorded on the
 *   workspace's timeline on purpose (an audit trail of attempts);
 * - any table not named here, such as rate-limit counters, which count refused requests too.
 */
export async function snapshotOf(
  userIds: string[],
  options = { counts: true },
): Promise<Record<string, string>> {
  const users = userIds.map(() => "?").join(", ");
  const queries: Record<string, string> = {
    user: `select * from user where id in (${users}) order by id`,
    account: `select * from account where user_id in (${users}) order by id`,
    apikey: `select * from apikey where reference_id in (${users}) order by id`,
    user_credentials: `select * from user_credentials where user_id in (${users}) order by user_id`,
    workspaces: `select * from workspaces where owner_id in (${users}) order by id`,
    workspace_events: `select * from workspace_events where workspace_id in
      (select id from workspaces where owner_id in (${users})) and type <> 'bootstrap_refused' order by id`,
    counts: `select (select count(*) from user) as users, (select count(*) from workspaces) as workspaces,
      (select count(*) from apikey) as api_keys, (select count(*) from user_credentials) as credentials`,
  };
  const out: Record<string, string> = {};
  if (!options.counts) delete queries.counts;
  for (const [table, sql] of Object.entries(queries)) {
    const binds = table === "counts" ? [] : userIds;
    const { results } = await env.DB.prepare(sql)
      .bind(...binds)
      .all();
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(results)));
    out[table] =
      `${results.length} rows ${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  }
  return out;
}
