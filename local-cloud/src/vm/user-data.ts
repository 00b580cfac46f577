import { gunzipSync } from "node:zlib";
import { parse } from "yaml";

/** One cloud-init `write_files` entry, decoded. */
export interface WriteFile {
  path: string;
  content: Buffer;
  /** Numeric mode (e.g. 0o600); null = cloud-init's default 0644. */
  mode: number | null;
  append: boolean;
  /** cloud-init writes deferred files after packages; a simulated VM has no packages, so only the order differs. */
  defer: boolean;
}

/** What the simulator needs from a `#cloud-config` user_data. */
export interface BootPlan {
  writeFiles: WriteFile[];
  /** From the fetch-agent script (see cloud-init/src/scripts.ts); null when user_data installs no agent. */
  agent: AgentSource | null;
}

export interface AgentSource {
  url: string;
  sha256: string;
}

/** Where cloud-init puts the agent pieces (mirrors cloud-init/src/scripts.ts and protocol; not imported to keep local-cloud independent of cloud-init). */
export const FETCH_AGENT_SCRIPT = "/usr/local/lib/berth/fetch-agent.sh";
export const AGENT_BINARY = "/usr/local/bin/berth-agent";
export const AGENT_CONFIG = "/etc/berth/agent.json";

export class UserDataError extends Error {
  override name = "UserDataError";
}

function decodeContent(raw: unknown, encoding: unknown, path: string): Buffer {
  const text = raw === undefined || raw === null ? "" : String(raw);
  const enc = typeof encoding === "string" ? encoding.toLowerCase() : "text/plain";
  switch (enc) {
    case "text/plain":
      return Buffer.from(text, "utf8");
    case "b64":
    case "base64":
      return Buffer.from(text, "base64");
    case "gz":
    case "gzip":
      return gunzipSync(Buffer.from(text, "latin1"));
    case "gz+b64":
    case "gz+base64":
    case "gzip+b64":
    case "gzip+base64":
      return gunzipSync(Buffer.from(text, "base64"));
    default:
      throw new UserDataError(`write_files ${path}: unsupported encoding '${enc}'`);
  }
}

function parseMode(p: unknown, path: string): number | null {
  if (p === undefined || p === null) return null;
  // YAML 1.1 reads an unquoted 0644 as the octal number itself; quoted, it is a string of octal digits.
  if (typeof p === "number" && Number.isInteger(p) && p >= 0 && p <= 0o7777) return p;
  if (typeof p === "string" && /^0?[0-7]{3,4}$/.test(p.trim())) return Number.parseInt(p.trim(), 8);
  throw new UserDataError(`write_files ${path}: bad permissions ${JSON.stringify(p)}`);
}

/** Reads a POSIX-sh single-quoted word as produced by cloud-init's shellQuote ('...' with '\'' escapes). */
function shellWord(s: string): string | null {
  let out = "";
  let i = 0;
  while (i < s.length) {
    if (s[i] === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return null;
      out += s.slice(i + 1, end);
      i = end + 1;
    } else if (s[i] === "\\" && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
    } else if (/[A-Za-z0-9_./:%@+,=~-]/.test(s[i] as string)) {
      out += s[i];
      i++;
    } else {
      return null; // expansions, spaces etc.: not a plain assignment we can read without a shell
    }
  }
  return out;
}

/** Extracts `url=` and `sha256=` assignments (top-level lines) from the fetch-agent script. */
export function parseFetchAgentScript(script: string): AgentSource {
  const vars = new Map<string, string>();
  for (const line of script.split("\n")) {
    const m = /^(url|sha256)=(.*)$/.exec(line.trimEnd());
    if (!m) continue;
    const value = shellWord(m[2] as string);
    if (value !== null && !vars.has(m[1] as string)) vars.set(m[1] as string, value);
  }
  const url = vars.get("url");
  const sha256 = vars.get("sha256")?.toLowerCase();
  if (!url || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw new UserDataError(`${FETCH_AGENT_SCRIPT}: no readable http(s) url= line`);
  if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256))
    throw new UserDataError(`${FETCH_AGENT_SCRIPT}: no readable sha256= line (64 hex digits)`);
  return { url, sha256 };
}

/** Parses `#cloud-config` user_data the way cloud-init would for the parts a simulated VM performs. */
export function parseUserData(userData: string): BootPlan {
  if (!/^#cloud-config\s*\n/.test(userData))
    throw new UserDataError("user_data is not a #cloud-config document");
  let doc: unknown;
  try {
    // YAML 1.1 like cloud-init's PyYAML, so "0600", "yes", "on" read as cloud-init reads them.
    doc = parse(userData, { version: "1.1" });
  } catch (err) {
    throw new UserDataError(`user_data is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new UserDataError("user_data is not a YAML mapping");
  const rawFiles = (doc as Record<string, unknown>).write_files ?? [];
  if (!Array.isArray(rawFiles)) throw new UserDataError("write_files is not a list");
  const writeFiles: WriteFile[] = rawFiles.map((f: unknown, i: number) => {
    if (f === null || typeof f !== "object") throw new UserDataError(`write_files.${i} is not a mapping`);
    const e = f as Record<string, unknown>;
    if (typeof e.path !== "string" || !e.path.startsWith("/"))
      throw new UserDataError(`write_files.${i}: path must be absolute`);
    return {
      path: e.path,
      content: decodeContent(e.content, e.encoding, e.path),
      mode: parseMode(e.permissions, e.path),
      append: e.append === true,
      defer: e.defer === true,
    };
  });
  // cloud-init runs deferred entries in a later stage: keep that order.
  writeFiles.sort((a, b) => Number(a.defer) - Number(b.defer));
  const script = writeFiles.find((f) => f.path === FETCH_AGENT_SCRIPT);
  return { writeFiles, agent: script ? parseFetchAgentScript(script.content.toString("utf8")) : null };
}
