/**
 * Bundles the terminal page (src/web/app.ts with xterm.js and its addons) into one browser module,
 * src/web/generated/page.js, which the agent embeds as text. Generated, not committed: the build
 * script and the test preload (bunfig.toml) run it, so it always matches the sources.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

const webDir = join(import.meta.dir, "..", "src", "web");
export const pageBundlePath = join(webDir, "generated", "page.js");

export async function bundlePage(): Promise<string> {
  const result = await Bun.build({
    entrypoints: [join(webDir, "app.ts")],
    target: "browser",
    format: "esm",
    minify: true,
  });
  if (!result.success) throw new AggregateError(result.logs, "bundling the terminal page failed");
  const [output] = result.outputs;
  if (!output) throw new Error("bundling the terminal page produced nothing");
  const js = await output.text();
  await mkdir(join(webDir, "generated"), { recursive: true });
  await writeFile(pageBundlePath, js);
  return js;
}

await bundlePage();
