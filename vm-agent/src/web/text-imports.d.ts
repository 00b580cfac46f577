// Files the page embeds through Bun's `with { type: "text" }` imports: their default export is
// the file's text.
declare module "*.css" {
  const text: string;
  export default text;
}
