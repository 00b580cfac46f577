/**
 * git's credential-helper protocol (gitcredentials(7), git-credential(1)): git writes `key=value`
 * lines on the helper's stdin, ending at a blank line or EOF; for `get`, the helper answers the
 * same way with what it knows (username, password), or nothing to let git go on without it.
 */

export type CredentialAttributes = Record<string, string>;

/** The operations git runs a helper with; only `get` is answered, the others are no-ops. */
export const credentialOperations = ["get", "store", "erase"] as const;
export type CredentialOperation = (typeof credentialOperations)[number];

export function isCredentialOperation(v: string | undefined): v is CredentialOperation {
  return (credentialOperations as readonly string[]).includes(v ?? "");
}

/**
 * Parses git's request. Keys ending in `[]` (multi-valued: capability[], wwwauth[]) keep their
 * last value, which is enough here; a line without `=` or with a NUL is ignored, as git does.
 */
export function parseCredentialRequest(text: string): CredentialAttributes {
  const attrs: CredentialAttributes = {};
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "") break;
    const eq = line.indexOf("=");
    if (eq <= 0 || line.includes("\0")) continue;
    attrs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  // `url=` stands for protocol, host and path (git-credential(1)); explicit keys win.
  if (attrs.url && URL.canParse(attrs.url)) {
    const u = new URL(attrs.url);
    attrs.protocol ??= u.protocol.replace(/:$/, "");
    attrs.host ??= u.host;
    const path = u.pathname.replace(/^\//, "");
    if (path) attrs.path ??= path;
  }
  return attrs;
}

/** Formats an answer; a value with a newline or NUL would corrupt the stream and is left out. */
export function formatCredentialAnswer(attrs: CredentialAttributes): string {
  return Object.entries(attrs)
    .filter(([k, v]) => !/[\n\0=]/.test(k) && !/[\n\0]/.test(v))
    .map(([k, v]) => `${k}=${v}\n`)
    .join("");
}

/**
 * True when git asks about the workspace's origin: same scheme and host (with port). A request
 * that names another host gets nothing, so the token never leaves for a server it is not for.
 */
export function matchesOrigin(attrs: CredentialAttributes, origin: string): boolean {
  if (!URL.canParse(origin)) return false;
  const o = new URL(origin);
  const scheme = o.protocol.replace(/:$/, "");
  if (scheme !== "https" && scheme !== "http") return false;
  return attrs.protocol?.toLowerCase() === scheme && attrs.host?.toLowerCase() === o.host.toLowerCase();
}
