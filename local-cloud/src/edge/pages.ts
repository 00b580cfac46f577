import { STATUS_CODES } from "node:http";

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Page {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A small self-explaining page, so a browser user sees why a hostname does not work. */
export function page(status: number, title: string, detail: string): Page {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}p{color:#555}code{background:#f2f2f2;padding:0 .2rem}</style></head>
<body><h1>${esc(title)}</h1><p>${esc(detail)}</p><p><small>Berth local edge &middot; ${status} ${esc(STATUS_CODES[status] ?? "")}</small></p></body></html>
`;
  return {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-length": String(Buffer.byteLength(body)),
      "cache-control": "no-store",
    },
    body,
  };
}

/** The same page as raw HTTP/1.1 bytes, for answering on an upgrade socket. */
export function rawPage(p: Page): string {
  const head = Object.entries({ ...p.headers, connection: "close" })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  return `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? ""}\r\n${head}\r\n${p.body}`;
}
