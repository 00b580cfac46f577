import { relative } from "node:path";
import { taskLimits } from "@berth/protocol/agent";

/** Cuts `text` to `max` characters, ending a cut text with "…". */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** One line: runs of whitespace (newlines included) become one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** A path as the person knows it: relative to the repo's folder when inside it. */
export function shortPath(path: string, folder: string): string {
  if (!folder || !path.startsWith("/")) return path;
  const rel = relative(folder, path);
  return rel && !rel.startsWith("..") ? rel : path;
}

const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

/**
 * What a tool call was about, in one line: the file for file tools, the command for Bash, the
 * pattern for searches; anything else as compact JSON with long strings cut. Never the content a
 * tool writes (a Write's file body, an Edit's strings).
 */
export function summariseToolInput(tool: string, input: unknown, folder: string): string {
  const i = (input && typeof input === "object" ? input : {}) as Record<string, unknown>;
  const max = taskLimits.inputSummaryChars;
  const file = str(i.file_path) ?? str(i.notebook_path) ?? str(i.path);
  switch (tool) {
    case "Bash":
      return cut(oneLine(str(i.command) ?? ""), max);
    case "Read":
    case "Write":
    case "Edit":
    case "MultiEdit":
    case "NotebookEdit":
      return cut(file ? shortPath(file, folder) : "", max);
    case "Glob":
    case "Grep": {
      const where = str(i.path);
      return cut(`${str(i.pattern) ?? ""}${where ? ` in ${shortPath(where, folder)}` : ""}`, max);
    }
    case "WebFetch":
      return cut(str(i.url) ?? "", max);
    case "WebSearch":
      return cut(str(i.query) ?? "", max);
    case "Task":
    case "Agent":
      return cut(oneLine(str(i.description) ?? str(i.prompt) ?? ""), max);
    case "TodoWrite":
      return Array.isArray(i.todos) ? `${i.todos.length} to-dos` : "";
  }
  const compact: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(i)) compact[k] = typeof v === "string" ? cut(oneLine(v), 80) : v;
  return cut(JSON.stringify(compact) ?? "", max);
}

/** The text of a tool result (a string, or text blocks), first lines only. */
export function toolResultText(content: unknown, max = 500): string {
  let text = "";
  if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    text = content
      .map((b) => {
        const block = b as { type?: unknown; text?: unknown };
        if (block?.type === "text" && typeof block.text === "string") return block.text;
        return block?.type === "image" ? "[image]" : "";
      })
      .filter(Boolean)
      .join("\n");
  }
  text = text.replace(/<\/?tool_use_error>/g, "").trim();
  const lines = text.split("\n");
  const head = lines.slice(0, 8).join("\n");
  return cut(lines.length > 8 ? `${head}\n…` : head, max);
}
