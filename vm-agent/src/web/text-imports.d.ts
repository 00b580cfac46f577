// Files the page embeds through Bun's `with { type: "file" }` imports: their default export is
// the embedded file's path.
declare module "*.css" {
  const path: string;
  export default path;
}
