/**
 * Everything the setup command needs from the person running it, gathered before any step changes
 * anything: settings (flag, environment, the value already in wrangler.toml, or a prompt) and the
 * secrets it cannot generate (environment or a hidden prompt). Generated secrets are made here too,
 * but only for secrets the Worker does not have yet: re-running never rotates them.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { getVar } from "./toml.ts";

export interface VarInput {
  name: string;
  flag: string;
  question: string;
  validate: (value: string) => string | null;
  /** Used, with a note, when neither a flag, the environment nor wrangler.toml gives a value. */
  fallback?: string;
}

const placeholder = (value: string) =>
  ["set-me", "setme", "change-me", "changeme", ""].includes(value.trim().toLowerCase()) ||
  /(^|\.)example\.(com|net|org)(\/|:|$)/i.test(value.replace(/^https?:\/\//, ""));

const hostname = /^(?=.{1,253}\.?$)((?!-)[a-z0-9-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)\.?$/i;

export const varInputs: VarInput[] = [
  {
    name: "BERTH_PUBLIC_URL",
    flag: "public-url",
    question: "Public URL of Berth (https://berth.your-domain.com, or the workers.dev URL)",
    validate: (v) => {
      try {
        const url = new URL(v);
        if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http(s) URL";
        if (url.pathname !== "/" || url.search || url.hash) return "must be an origin (no path)";
        return null;
      } catch {
        return "must be an absolute URL such as https://berth.your-domain.com";
      }
    },
  },
  {
    name: "WORKSPACE_DOMAIN",
    flag: "workspace-domain",
    question: "Domain workspaces live under (ws.your-domain.com)",
    validate: (v) => (hostname.test(v) ? null : "must be a bare hostname such as ws.your-domain.com"),
  },
  {
    name: "DEPLOYMENT_ID",
    flag: "deployment-id",
    question: "A short name for this deployment (prod)",
    validate: (v) =>
      /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(v)
        ? null
        : "must be 1-32 lowercase letters, digits or hyphens (e.g. prod)",
    fallback: "prod",
  },
  {
    name: "CLOUDFLARE_ZONE_ID",
    flag: "zone-id",
    question: "Cloudflare Zone ID of that domain (32 hex characters)",
    validate: (v) => (/^[0-9a-f]{32}$/i.test(v) ? null : "must be 32 hexadecimal characters"),
  },
  {
    name: "GITHUB_CLIENT_ID",
    flag: "github-client-id",
    question: "GitHub App Client ID",
    validate: (v) => (/^\S+$/.test(v) ? null : "must not contain spaces"),
  },
  {
    name: "GITHUB_APP_ID",
    flag: "github-app-id",
    question: "GitHub App ID (the App's settings page, About)",
    validate: (v) => (/^\d{1,20}$/.test(v) ? null : "must be the App's numeric id"),
  },
  {
    name: "GITHUB_APP_SLUG",
    flag: "github-app-slug",
    question: "GitHub App URL name (https://github.com/apps/<slug>)",
    validate: (v) =>
      /^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/i.test(v) ? null : "must be letters, digits and hyphens",
  },
];

export interface SecretInput {
  name: string;
  /** Environment variables read, in order. */
  envNames: string[];
  question: string;
  /**
   * A multi-line secret (a PEM) comes from a file: $<fileEnvName>, or a path typed at the prompt
   * (a path is not secret, so it is shown). The file's content is the secret.
   */
  fileEnvName?: string;
}

export const promptedSecrets: SecretInput[] = [
  {
    name: "GITHUB_CLIENT_SECRET",
    envNames: ["GITHUB_CLIENT_SECRET"],
    question: "GitHub App client secret",
  },
  {
    name: "GITHUB_APP_PRIVATE_KEY",
    envNames: ["GITHUB_APP_PRIVATE_KEY"],
    fileEnvName: "GITHUB_APP_PRIVATE_KEY_FILE",
    question: "Path to the GitHub App's private key (the .pem GitHub downloaded)",
  },
  { name: "HETZNER_TOKEN", envNames: ["HETZNER_TOKEN"], question: "Hetzner Cloud API token (Read & Write)" },
  {
    name: "CLOUDFLARE_API_TOKEN",
    // CLOUDFLARE_API_TOKEN in the environment is also what wrangler authenticates with; the
    // BERTH_ name lets the Worker's DNS-only token differ from wrangler's deploy token.
    envNames: ["BERTH_CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_TOKEN"],
    question: "Cloudflare API token for the Worker (Zone → DNS → Edit on the workspace zone)",
  },
];

const p256Jwk = () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return JSON.stringify(privateKey.export({ format: "jwk" }));
};

export const generatedSecrets: Record<string, () => string> = {
  ENCRYPTION_KEY: () => randomBytes(32).toString("base64"),
  TERMINAL_SIGNING_KEY: p256Jwk,
  // Web Push's application server key (VAPID); browsers subscribe with its public half.
  VAPID_PRIVATE_KEY: p256Jwk,
  BETTER_AUTH_SECRET: () => randomBytes(32).toString("hex"),
};

export const allSecrets = [...Object.keys(generatedSecrets), ...promptedSecrets.map((s) => s.name)];

/** A PEM file's content; the Worker takes GitHub's PKCS#1 file as it is. Never quotes the content. */
function readPem(file: string, name: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(`${name}: cannot read ${file}`);
  }
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(text)) {
    throw new Error(
      `${name}: ${file} is not a private key PEM ("BEGIN RSA PRIVATE KEY" or "BEGIN PRIVATE KEY")`,
    );
  }
  return text.trim();
}

export interface Prompter {
  ask: (question: string, options: { hidden: boolean }) => Promise<string>;
  close: () => void;
}

/** Reads answers from the terminal; hidden answers are not echoed. */
export function terminalPrompter(): Prompter {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stdout.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return {
    async ask(question, { hidden }) {
      process.stdout.write(`${question}: `);
      muted = hidden;
      try {
        return (await rl.question("")).trim();
      } finally {
        if (hidden) process.stdout.write("\n");
        muted = false;
      }
    },
    close: () => rl.close(),
  };
}

export interface Resolved {
  vars: Record<string, string>;
  secrets: Map<string, { value: string; label: string }>;
  /** Inputs that are missing (non-interactive); the caller fails before any change, or a dry run notes them. */
  missing: string[];
  notes: string[];
}

export async function resolveInputs(options: {
  flags: Record<string, string | undefined>;
  env: NodeJS.ProcessEnv;
  toml: string;
  existingSecrets: Set<string>;
  prompter: Prompter | null;
}): Promise<Resolved> {
  const { flags, env, toml, existingSecrets, prompter } = options;
  const vars: Record<string, string> = {};
  const secrets = new Map<string, { value: string; label: string }>();
  const missing: string[] = [];
  const notes: string[] = [];

  for (const input of varInputs) {
    const fromFlag = flags[input.flag];
    const fromEnv = env[input.name];
    const current = getVar(toml, input.name);
    let value: string | undefined;
    let source = "";
    if (fromFlag) [value, source] = [fromFlag, `--${input.flag}`];
    else if (fromEnv) [value, source] = [fromEnv, `$${input.name}`];
    else if (current && !placeholder(current) && !input.validate(current)) value = current;
    else if (input.fallback !== undefined) {
      value = input.fallback;
      notes.push(
        `${input.name} is "${input.fallback}"; give each deployment sharing a Hetzner project or DNS zone its own (--${input.flag})`,
      );
    } else if (prompter) {
      for (;;) {
        const answer = await prompter.ask(input.question, { hidden: false });
        const problem = input.validate(answer);
        if (!problem && !placeholder(answer)) {
          value = answer;
          break;
        }
        process.stdout.write(`  ${input.name} ${problem ?? "is a placeholder"}; try again\n`);
      }
    }
    if (value === undefined) {
      missing.push(`${input.name}: pass --${input.flag} <value> or set $${input.name}`);
      continue;
    }
    const problem = input.validate(value.trim()) ?? (placeholder(value) ? "is a placeholder" : null);
    if (problem) throw new Error(`${input.name} from ${source || "wrangler.toml"} ${problem}`);
    vars[input.name] = value.trim();
  }

  for (const [name, generate] of Object.entries(generatedSecrets)) {
    if (existingSecrets.has(name)) continue;
    const value = generate();
    secrets.set(name, { value, label: `(generated, ${value.length} characters)` });
  }

  for (const input of promptedSecrets) {
    if (existingSecrets.has(input.name)) continue;
    const envName = input.envNames.find((n) => env[n]?.trim());
    if (envName) {
      secrets.set(input.name, { value: (env[envName] ?? "").trim(), label: `(from $${envName})` });
      if (input.name === "CLOUDFLARE_API_TOKEN" && envName === "CLOUDFLARE_API_TOKEN") {
        notes.push(
          "CLOUDFLARE_API_TOKEN from the environment is also the token wrangler deploys with; " +
            "use BERTH_CLOUDFLARE_API_TOKEN for the Worker's DNS-only token to keep them apart",
        );
      }
      continue;
    }
    const file = input.fileEnvName ? env[input.fileEnvName]?.trim() : undefined;
    if (file) {
      secrets.set(input.name, {
        value: readPem(file, input.name),
        label: `(from the file in $${input.fileEnvName})`,
      });
      continue;
    }
    if (prompter) {
      const answer = await prompter.ask(input.question, { hidden: !input.fileEnvName });
      if (answer) {
        const value = input.fileEnvName ? readPem(answer, input.name) : answer;
        secrets.set(input.name, {
          value,
          label: input.fileEnvName ? "(from the file given at the prompt)" : "(entered at the prompt)",
        });
        continue;
      }
    }
    const how = [...input.envNames, ...(input.fileEnvName ? [input.fileEnvName] : [])].join(" or $");
    missing.push(`${input.name}: set $${how} (it is not set on the Worker yet)`);
  }
  return { vars, secrets, missing, notes };
}
