/**
 * The terminal page's files, embedded in the binary as text (`bun build --compile` inlines these
 * imports) so the agent never reads the disk to serve them. The page's own TypeScript modules are
 * transpiled once, on first request, with Bun's built-in transpiler; the browser then resolves
 * their relative imports (`../terminal/wire.ts`) against the URLs below, which mirror `src/`.
 */
/// <reference path="./text-imports.d.ts" />
import fitJs from "@xterm/addon-fit/lib/addon-fit.mjs" with { type: "text" };
import webLinksJs from "@xterm/addon-web-links/lib/addon-web-links.mjs" with { type: "text" };
import xtermCss from "@xterm/xterm/css/xterm.css" with { type: "text" };
import xtermJs from "@xterm/xterm/lib/xterm.mjs" with { type: "text" };
// @ts-expect-error a TS module imported as its source text (Bun's "text" loader)
import wireSrc from "../terminal/wire.ts" with { type: "text" };
// @ts-expect-error as above
import appSrc from "./app.ts" with { type: "text" };
import indexHtml from "./index.html" with { type: "text" };
// @ts-expect-error as above
import keybarSrc from "./keybar.ts" with { type: "text" };
// @ts-expect-error as above
import sessionViewSrc from "./session-view.ts" with { type: "text" };
import styleCss from "./style.css" with { type: "text" };

export interface Asset {
  body: string;
  type: string;
}

const js = "text/javascript; charset=utf-8";
const css = "text/css; charset=utf-8";

/** Browser modules written in TypeScript, by URL path. */
const modules: Record<string, string> = {
  "/assets/web/app.ts": appSrc as string,
  "/assets/web/keybar.ts": keybarSrc as string,
  "/assets/web/session-view.ts": sessionViewSrc as string,
  "/assets/terminal/wire.ts": wireSrc as string,
};

const plain: Record<string, Asset> = {
  // bun-types declares .html imports as HTML bundles; the "text" loader makes them a string.
  "/": { body: indexHtml as unknown as string, type: "text/html; charset=utf-8" },
  "/assets/style.css": { body: styleCss, type: css },
  "/assets/xterm.css": { body: xtermCss, type: css },
  "/assets/xterm.mjs": { body: xtermJs, type: js },
  "/assets/addon-fit.mjs": { body: fitJs, type: js },
  "/assets/addon-web-links.mjs": { body: webLinksJs, type: js },
};

const transpiled = new Map<string, Asset>();
let transpiler: Bun.Transpiler | undefined;

/** The embedded file served at `path`, or undefined. */
export function getAsset(path: string): Asset | undefined {
  const file = plain[path];
  if (file) return file;
  const src = modules[path];
  if (src === undefined) return undefined;
  let asset = transpiled.get(path);
  if (!asset) {
    transpiler ??= new Bun.Transpiler({ loader: "ts", target: "browser" });
    asset = { body: transpiler.transformSync(src), type: js };
    transpiled.set(path, asset);
  }
  return asset;
}
