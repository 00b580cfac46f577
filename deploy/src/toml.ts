/**
 * Small, line-based edits of wrangler.toml that keep its comments and layout: the values the setup
 * command owns ([vars] entries, the D1 database id, the AGENTS bucket, the custom-domain route).
 */

const tableHeader = /^\s*\[/;

function quote(value: string): string {
  return JSON.stringify(value);
}

function unquote(raw: string): string {
  const value = raw.replace(/\s+#.*$/, "").trim();
  if (value.startsWith('"')) {
    try {
      return JSON.parse(value) as string;
    } catch {
      return value.slice(1, -1);
    }
  }
  if (value.startsWith("'")) return value.slice(1, -1);
  return value;
}

/** [start, end) line indexes of the body of the first table named `name` ("vars"), or null. */
function tableBody(lines: string[], name: string): [number, number] | null {
  const start = lines.findIndex((l) => l.trim() === `[${name}]`);
  if (start < 0) return null;
  let end = start + 1;
  while (end < lines.length && !tableHeader.test(lines[end] ?? "")) end++;
  return [start + 1, end];
}

function keyLine(key: string): RegExp {
  return new RegExp(`^\\s*${key}\\s*=\\s*(.*)$`);
}

export function getVar(text: string, key: string): string | undefined {
  const lines = text.split("\n");
  const body = tableBody(lines, "vars");
  if (!body) return undefined;
  for (let i = body[0]; i < body[1]; i++) {
    const match = keyLine(key).exec(lines[i] ?? "");
    if (match) return unquote(match[1] ?? "");
  }
  return undefined;
}

export function setVar(text: string, key: string, value: string): string {
  const lines = text.split("\n");
  let body = tableBody(lines, "vars");
  if (!body) {
    lines.push("", "[vars]");
    body = [lines.length, lines.length];
  }
  const line = `${key} = ${quote(value)}`;
  for (let i = body[0]; i < body[1]; i++) {
    if (keyLine(key).test(lines[i] ?? "")) {
      lines[i] = line;
      return lines.join("\n");
    }
  }
  // After the table's last non-blank line.
  let at = body[1];
  while (at > body[0] && (lines[at - 1] ?? "").trim() === "") at--;
  lines.splice(at, 0, line);
  return lines.join("\n");
}

/** [start, end) of each `[[name]]` array-of-tables entry. */
function arrayTables(lines: string[], name: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  lines.forEach((l, i) => {
    if (l.trim() !== `[[${name}]]`) return;
    let end = i + 1;
    while (end < lines.length && !tableHeader.test(lines[end] ?? "")) end++;
    out.push([i + 1, end]);
  });
  return out;
}

function entryValue(lines: string[], [start, end]: [number, number], key: string): string | undefined {
  for (let i = start; i < end; i++) {
    const match = keyLine(key).exec(lines[i] ?? "");
    if (match) return unquote(match[1] ?? "");
  }
  return undefined;
}

export function getDatabaseId(text: string, databaseName: string): string | undefined {
  const lines = text.split("\n");
  const entry = arrayTables(lines, "d1_databases").find(
    (r) => entryValue(lines, r, "database_name") === databaseName,
  );
  return entry ? entryValue(lines, entry, "database_id") : undefined;
}

export function setDatabaseId(text: string, databaseName: string, id: string): string {
  const lines = text.split("\n");
  const entry = arrayTables(lines, "d1_databases").find(
    (r) => entryValue(lines, r, "database_name") === databaseName,
  );
  if (!entry) {
    return `${text.replace(/\n*$/, "\n")}\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = ${quote(databaseName)}\ndatabase_id = ${quote(id)}\nmigrations_dir = "migrations"\n`;
  }
  for (let i = entry[0]; i < entry[1]; i++) {
    if (keyLine("database_id").test(lines[i] ?? "")) {
      lines[i] = `database_id = ${quote(id)}`;
      return lines.join("\n");
    }
  }
  lines.splice(entry[0], 0, `database_id = ${quote(id)}`);
  return lines.join("\n");
}

export function hasBucket(text: string, binding: string, bucket: string): boolean {
  const lines = text.split("\n");
  return arrayTables(lines, "r2_buckets").some(
    (r) => entryValue(lines, r, "binding") === binding && entryValue(lines, r, "bucket_name") === bucket,
  );
}

export function addBucket(text: string, binding: string, bucket: string): string {
  return `${text.replace(/\n*$/, "\n")}\n[[r2_buckets]]\nbinding = ${quote(binding)}\nbucket_name = ${quote(bucket)}\n`;
}

/** The top-level `routes = ...` line (before the first table), or undefined. */
export function getRoutesLine(text: string): string | undefined {
  for (const line of text.split("\n")) {
    if (tableHeader.test(line)) return undefined;
    if (/^\s*routes\s*=/.test(line)) return line.trim();
  }
  return undefined;
}

export function customDomainLine(host: string): string {
  return `routes = [{ pattern = ${quote(host)}, custom_domain = true }]`;
}

/** Sets the top-level routes to the one custom domain; replaces an existing single-line routes. */
export function setCustomDomain(text: string, host: string): string {
  const lines = text.split("\n");
  const line = customDomainLine(host);
  const firstTable = lines.findIndex((l) => tableHeader.test(l));
  const limit = firstTable < 0 ? lines.length : firstTable;
  for (let i = 0; i < limit; i++) {
    if (/^\s*routes\s*=/.test(lines[i] ?? "")) {
      lines[i] = line;
      return lines.join("\n");
    }
  }
  let at = limit;
  while (at > 0 && (lines[at - 1] ?? "").trim() === "") at--;
  lines.splice(at, 0, line);
  return lines.join("\n");
}
