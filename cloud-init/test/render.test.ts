import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentConfigPath } from "@berth/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  agentUnitPath,
  CloudInitInputError,
  caddyfilePath,
  fetchAgentScriptPath,
  hetznerUserDataLimitBytes,
  renderCloudInit,
} from "../src/index.ts";
import { agentSha256, typicalConfig, typicalInput, worstCaseInput } from "./fixtures.ts";

interface WriteFile {
  path: string;
  content: string;
  permissions: string;
  owner: string;
  defer?: boolean;
}
interface CloudConfig {
  packages: string[];
  write_files: WriteFile[];
  runcmd: string[][];
  ssh_authorized_keys?: string[];
}

const dir = mkdtempSync(join(tmpdir(), "berth-cloud-init-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parsed(userData: string): CloudConfig {
  return parse(userData, { version: "1.1" }) as CloudConfig;
}
function file(userData: string, path: string): WriteFile {
  const f = parsed(userData).write_files.find((w) => w.path === path);
  if (!f) throw new Error(`no write_files entry for ${path}`);
  return f;
}
function bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

const cloudInitBin = spawnSync("sh", ["-c", "command -v cloud-init"]).stdout.toString().trim();

function schemaCheck(userData: string, name: string) {
  const path = join(dir, name);
  writeFileSync(path, userData);
  const r = spawnSync(cloudInitBin, ["schema", "--config-file", path], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("cloud-init schema (real `cloud-init schema`)", () => {
  const skip = cloudInitBin === "";
  if (skip) console.warn("SKIPPED: the cloud-init binary is not installed; schema validation did not run");
  it.skipIf(skip)("the Berth image's output is a valid cloud-config", () => {
    const r = schemaCheck(renderCloudInit({ ...typicalInput(), image: "berth" }), "berth.yaml");
    expect(r.output).toContain("Valid cloud-config");
    expect(r.status).toBe(0);
  });
  it.skipIf(skip)("typical output is a valid cloud-config", () => {
    const r = schemaCheck(renderCloudInit(typicalInput()), "typical.yaml");
    expect(r.output).toContain("Valid cloud-config");
    expect(r.status).toBe(0);
  });
  it.skipIf(skip)("worst-case and hostile outputs are valid cloud-configs", () => {
    const hostile = typicalInput();
    hostile.agentConfig.repo_url = "https://x.test/a'b\"c: #d\n- e: [f]\n#cloud-config\n";
    hostile.agentConfig.hostname = "*.h: #x";
    for (const [name, input] of [
      ["worst.yaml", worstCaseInput()],
      ["hostile.yaml", hostile],
    ] as const) {
      const r = schemaCheck(renderCloudInit(input), name);
      expect(r.output).toContain("Valid cloud-config");
      expect(r.status).toBe(0);
    }
  });
  it.skipIf(skip)("the checker itself rejects a broken config (the test can fail)", () => {
    const broken = renderCloudInit(typicalInput()).replace("permissions:", "permisions:");
    expect(schemaCheck(broken, "broken.yaml").status).not.toBe(0);
  });
});

describe("size", () => {
  it("starts with #cloud-config and stays far below Hetzner's limit", () => {
    const typical = renderCloudInit(typicalInput());
    const worst = renderCloudInit(worstCaseInput());
    expect(typical.startsWith("#cloud-config\n")).toBe(true);
    expect(bytes(typical)).toBeLessThan(8 * 1024);
    expect(bytes(worst)).toBeLessThan(16 * 1024);
    expect(hetznerUserDataLimitBytes).toBe(32768);
  });
  it("throws rather than emit user_data over the limit", () => {
    const input = typicalInput();
    input.caddyfile = `${input.caddyfile}${"#".repeat(hetznerUserDataLimitBytes)}\n`;
    expect(() => renderCloudInit(input)).toThrow(/over Hetzner's 32768-byte limit/);
  });
});

describe("content", () => {
  it("writes the agent config unchanged, root-only", () => {
    const input = typicalInput();
    const f = file(renderCloudInit(input), agentConfigPath);
    expect(JSON.parse(f.content)).toEqual(input.agentConfig);
    expect(f.permissions).toBe("0600");
    expect(f.owner).toBe("root:root");
  });
  it("fills schema defaults into the written config", () => {
    const { heartbeat_interval_seconds: _, ...partial } = typicalConfig();
    const input = { ...typicalInput(), agentConfig: partial as ReturnType<typeof typicalConfig> };
    expect(JSON.parse(file(renderCloudInit(input), agentConfigPath).content).heartbeat_interval_seconds).toBe(
      60,
    );
  });
  it("puts the URL and SHA-256 into the verify script, which checks with sha256sum -c", () => {
    const input = typicalInput();
    const script = file(renderCloudInit(input), fetchAgentScriptPath);
    expect(script.permissions).toBe("0755");
    expect(script.content).toContain(`url='${input.agent.url}'`);
    expect(script.content).toContain(`sha256='${agentSha256}'`);
    expect(script.content).toContain("sha256sum -c");
    expect(script.content).toMatch(/curl .*--retry \d+/s);
  });
  it("normalises the SHA-256 to lower case", () => {
    const input = typicalInput();
    input.agent.sha256 = agentSha256.toUpperCase();
    expect(file(renderCloudInit(input), fetchAgentScriptPath).content).toContain(`sha256='${agentSha256}'`);
  });
  it("writes the Caddyfile verbatim, after packages are installed", () => {
    const input = typicalInput();
    const f = file(renderCloudInit(input), caddyfilePath);
    expect(f.content).toBe(input.caddyfile);
    expect(f.defer).toBe(true);
  });
  it("installs the packages and the devcontainer CLI, then starts the services in order", () => {
    const cfg = parsed(renderCloudInit(typicalInput()));
    for (const p of ["docker.io", "git", "caddy", "nodejs", "npm", "curl"]) expect(cfg.packages).toContain(p);
    const cmds = cfg.runcmd.map((c) => c.join(" "));
    const at = (re: RegExp) => cmds.findIndex((c) => re.test(c));
    expect(at(/^\/usr\/local\/lib\/berth\/fetch-agent\.sh$/)).toBe(0);
    expect(at(/^npm install .*@devcontainers\/cli@0\.89\.0$/)).toBeGreaterThan(0);
    // Node >= 20 for the devcontainer CLI, installed in the same step (apt's is 18 on Ubuntu 24.04).
    expect(at(/^npm install .* node@22\.\d+\.\d+ @devcontainers\/cli/)).toBeGreaterThan(0);
    expect(at(/^systemctl daemon-reload$/)).toBeGreaterThan(at(/^npm install/));
    expect(at(/^systemctl enable .*caddy\.service.*berth-agent\.service/)).toBeGreaterThan(
      at(/daemon-reload/),
    );
    expect(at(/^systemctl restart caddy\.service$/)).toBeGreaterThan(at(/daemon-reload/));
    expect(at(/^systemctl start .*berth-agent\.service$/)).toBe(cmds.length - 1);
  });
  it("from the Berth image, only writes the config and starts the units: no apt, no installs", () => {
    const stock = parsed(renderCloudInit(typicalInput()));
    const out = renderCloudInit({ ...typicalInput(), image: "berth" });
    const cfg = parsed(out) as CloudConfig & Record<string, unknown>;
    expect(cfg.package_update).toBeUndefined();
    expect(cfg.packages).toBeUndefined();
    expect(out).not.toMatch(/npm install|apt-get|package_/);
    // The same files, the same unit starts, in the same order; only the installs are gone.
    expect(cfg.write_files).toEqual(stock.write_files);
    expect(cfg.runcmd).toEqual(stock.runcmd.filter((c) => c[0] !== "npm"));
    expect(cfg.runcmd.map((c) => c.join(" "))).toEqual([
      "/usr/local/lib/berth/fetch-agent.sh",
      "systemctl daemon-reload",
      "systemctl enable docker.service caddy.service berth-agent.service",
      "systemctl restart caddy.service",
      "systemctl start --no-block berth-agent.service",
    ]);
    expect(renderCloudInit({ ...typicalInput(), image: "stock" })).toBe(renderCloudInit(typicalInput()));
  });
  it("refuses an unknown boot image kind", () => {
    const input = { ...typicalInput(), image: "fedora" as "stock" };
    expect(() => renderCloudInit(input)).toThrow('image: must be "stock" or "berth"');
  });
  it("writes a systemd unit that verifies the binary before every start", () => {
    const unit = file(renderCloudInit(typicalInput()), agentUnitPath).content;
    expect(unit).toContain("Restart=always");
    expect(unit).toMatch(/^After=.*network-online\.target.*docker\.service/m);
    expect(unit).toContain("ExecStart=/usr/local/bin/berth-agent serve --config /etc/berth/agent.json");
    expect(unit).toContain(`ExecStartPre=${fetchAgentScriptPath}`);
    expect(unit).toContain("NoNewPrivileges=yes");
    expect(unit).not.toMatch(
      /ProtectSystem|ProtectHome|PrivateDevices|RestrictAddressFamilies|User=(?!root)/,
    );
  });
  it("adds SSH keys only when given", () => {
    expect(parsed(renderCloudInit(typicalInput())).ssh_authorized_keys).toEqual(
      typicalInput().sshAuthorizedKeys,
    );
    const { sshAuthorizedKeys: _, ...noKeys } = typicalInput();
    expect(renderCloudInit(noKeys)).not.toContain("ssh_authorized_keys");
  });
  it("carries the Messages API base URL for Claude Code only when it is set", () => {
    const input = typicalInput();
    expect(JSON.parse(file(renderCloudInit(input), agentConfigPath).content)).not.toHaveProperty(
      "anthropic_base_url",
    );
    input.agentConfig.anthropic_base_url = "http://127.0.0.1:8704";
    const out = renderCloudInit(input);
    expect(JSON.parse(file(out, agentConfigPath).content).anthropic_base_url).toBe("http://127.0.0.1:8704");
    expect(schemaCheck(out, "anthropic.yaml").status).toBe(0);
  });
  it.each([
    ["https://user:sk-ant-secret@gateway.test", /must not carry credentials/],
    ["ftp://gateway.test", /anthropic_base_url/],
    ["not a url", /anthropic_base_url/],
  ])("refuses anthropic_base_url %j, without quoting it", (url, message) => {
    const input = typicalInput();
    input.agentConfig.anthropic_base_url = url;
    expect(() => renderCloudInit(input)).toThrow(CloudInitInputError);
    expect(() => renderCloudInit(input)).toThrow(message);
    try {
      renderCloudInit(input);
    } catch (err) {
      expect(String(err)).not.toContain("sk-ant-secret");
    }
  });
  it("carries no secret field besides the bootstrap token", () => {
    const out = renderCloudInit(worstCaseInput());
    expect(out).not.toMatch(/callback[_-]?token|claude[_-]?api[_-]?key|anthropic|api[_-]?key|sk-ant-/i);
    expect(out).not.toMatch(/hetzner[_-]?token|cloudflare|secret/i);
    const keys = Object.keys(JSON.parse(file(out, agentConfigPath).content));
    expect(keys.filter((k) => /token|key|secret/i.test(k)).sort()).toEqual([
      "bootstrap_token",
      "terminal_token_public_key",
    ]);
  });
});

describe("escaping", () => {
  const hostileStrings = [
    "https://evil.test/x'; rm -rf / #",
    'https://evil.test/"quoted": #not-a-comment',
    "https://evil.test/a\nwrite_files:\n  - path: /root/.ssh/authorized_keys\n    content: pwned",
    "yes",
    "0600",
    "- item: &anchor *alias !!binary |",
    "  leading and trailing spaces  ",
    "tab\tand\r\nCRLF and unicode \u2028 \u00e9 \u{1F680}",
  ];
  it.each(hostileStrings)("repo_url and hostname %j round-trip and inject nothing", (s) => {
    const input = typicalInput();
    input.agentConfig.repo_url = s;
    input.agentConfig.hostname = s;
    input.agentConfig.branch = s;
    const out = renderCloudInit(input);
    const cfg = parsed(out);
    expect(JSON.parse(file(out, agentConfigPath).content)).toEqual(input.agentConfig);
    expect(cfg.write_files.map((w) => w.path)).toEqual([
      agentConfigPath,
      fetchAgentScriptPath,
      agentUnitPath,
      caddyfilePath,
    ]);
    expect(Object.keys(cfg)).toEqual([
      "package_update",
      "package_upgrade",
      "packages",
      "ssh_authorized_keys",
      "write_files",
      "runcmd",
    ]);
  });
  it("a Caddyfile with YAML-special content round-trips", () => {
    const input = typicalInput();
    input.caddyfile = `# a: b\n"quoted" 'single' {\n  respond "x: #y" 200\n}\n---\n...\n   \n`;
    expect(file(renderCloudInit(input), caddyfilePath).content).toBe(input.caddyfile);
  });
});

describe("validation", () => {
  it.each([
    ["bootstrap_token too short", { bootstrap_token: "short" }, /agentConfig\.bootstrap_token/],
    ["control_plane_url not a URL", { control_plane_url: "not a url" }, /agentConfig\.control_plane_url/],
    ["missing workspace_id", { workspace_id: undefined }, /agentConfig\.workspace_id/],
    ["negative port", { listen: { host: "127.0.0.1", port: -1 } }, /agentConfig\.listen\.port/],
  ])("rejects an agent config with %s", (_, patch, message) => {
    const input = typicalInput();
    const agentConfig = { ...input.agentConfig, ...patch } as typeof input.agentConfig;
    expect(() => renderCloudInit({ ...input, agentConfig })).toThrow(CloudInitInputError);
    expect(() => renderCloudInit({ ...input, agentConfig })).toThrow(message);
  });
  it.each([
    ["agent url with a space", { agent: { url: "https://x.test/a b", sha256: agentSha256 } }, /agent\.url/],
    [
      "agent url with a newline",
      { agent: { url: "https://x.test/a\nb", sha256: agentSha256 } },
      /agent\.url/,
    ],
    ["file: agent url", { agent: { url: "file:///etc/passwd", sha256: agentSha256 } }, /agent\.url/],
    ["short sha256", { agent: { url: "https://x.test/a", sha256: "abc" } }, /agent\.sha256/],
    ["non-hex sha256", { agent: { url: "https://x.test/a", sha256: "g".repeat(64) } }, /agent\.sha256/],
    ["empty Caddyfile", { caddyfile: " \n" }, /caddyfile/],
    [
      "multi-line SSH key",
      { sshAuthorizedKeys: ["ssh-ed25519 AAAA a\nssh-rsa BBBB evil"] },
      /sshAuthorizedKeys\.0/,
    ],
  ])("rejects %s", (_, patch, message) => {
    expect(() => renderCloudInit({ ...typicalInput(), ...patch })).toThrow(message);
  });
});

describe("determinism", () => {
  it("renders equal input identically, whatever the key order", () => {
    const a = typicalInput();
    const b = typicalInput();
    b.agentConfig = Object.fromEntries(Object.entries(b.agentConfig).reverse()) as typeof b.agentConfig;
    b.agentConfig.terminal_token_public_key = Object.fromEntries(
      Object.entries(b.agentConfig.terminal_token_public_key).reverse(),
    );
    expect(renderCloudInit(a)).toBe(renderCloudInit(a));
    expect(renderCloudInit(b)).toBe(renderCloudInit(a));
  });
  it("matches the snapshot", () => {
    expect(renderCloudInit(typicalInput())).toMatchSnapshot();
  });
});
