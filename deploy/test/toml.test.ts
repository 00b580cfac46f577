import { describe, expect, it } from "vitest";
import {
  addBucket,
  getDatabaseId,
  getRoutesLine,
  getVar,
  hasBucket,
  setCustomDomain,
  setDatabaseId,
  setVar,
} from "../src/toml.ts";

const sample = `# comment kept
name = "berth"
main = "workers/src/index.ts"

[vars]
BERTH_PUBLIC_URL = "https://berth.example.com" # trailing comment
GITHUB_CLIENT_ID = "set-me"

[triggers]
crons = ["* * * * *"]

[[d1_databases]]
binding = "DB"
database_name = "berth"
database_id = "00000000-0000-0000-0000-000000000000"
`;

describe("wrangler.toml edits", () => {
  it("reads and replaces [vars] entries, keeping everything else", () => {
    expect(getVar(sample, "BERTH_PUBLIC_URL")).toBe("https://berth.example.com");
    const next = setVar(setVar(sample, "GITHUB_CLIENT_ID", "Iv1.abc"), "CLOUDFLARE_ZONE_ID", "f".repeat(32));
    expect(getVar(next, "GITHUB_CLIENT_ID")).toBe("Iv1.abc");
    expect(getVar(next, "CLOUDFLARE_ZONE_ID")).toBe("f".repeat(32));
    expect(next).toContain("# comment kept");
    // A new key lands inside [vars], not under [triggers].
    expect(next.indexOf("CLOUDFLARE_ZONE_ID")).toBeLessThan(next.indexOf("[triggers]"));
    expect(getVar(next, "crons")).toBeUndefined();
  });

  it("sets the database id of the named database", () => {
    expect(getDatabaseId(sample, "berth")).toBe("00000000-0000-0000-0000-000000000000");
    const next = setDatabaseId(sample, "berth", "abc-123");
    expect(getDatabaseId(next, "berth")).toBe("abc-123");
    expect(setDatabaseId(next, "berth", "abc-123")).toBe(next);
  });

  it("adds the bucket binding once and the custom domain before the first table", () => {
    expect(hasBucket(sample, "AGENTS", "berth-agents")).toBe(false);
    const withBucket = addBucket(sample, "AGENTS", "berth-agents");
    expect(hasBucket(withBucket, "AGENTS", "berth-agents")).toBe(true);
    const routed = setCustomDomain(withBucket, "berth.mine.dev");
    expect(getRoutesLine(routed)).toBe('routes = [{ pattern = "berth.mine.dev", custom_domain = true }]');
    expect(routed.indexOf("routes =")).toBeLessThan(routed.indexOf("[vars]"));
    expect(getRoutesLine(setCustomDomain(routed, "b.mine.dev"))).toContain('"b.mine.dev"');
    expect(setCustomDomain(routed, "b.mine.dev").match(/routes =/g)).toHaveLength(1);
  });
});
