// Files the page embeds through Bun's `with { type: "text" }` imports: their default export is
// the file's text.
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "@xterm/xterm/lib/xterm.mjs" {
  const text: string;
  export default text;
}
declare module "@xterm/addon-fit/lib/addon-fit.mjs" {
  const text: string;
  export default text;
}
declare module "@xterm/addon-web-links/lib/addon-web-links.mjs" {
  const text: string;
  export default text;
}
