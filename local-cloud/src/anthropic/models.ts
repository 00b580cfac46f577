/** Models the stand-in lists; any model name is accepted on /v1/messages. */
export const MODELS = [
  "claude-opus-4-5-20251101",
  "claude-sonnet-4-5-20250929",
  "claude-haiku-4-5-20251001",
] as const;

const DISPLAY: Record<string, string> = {
  "claude-opus-4-5-20251101": "Claude Opus 4.5",
  "claude-sonnet-4-5-20250929": "Claude Sonnet 4.5",
  "claude-haiku-4-5-20251001": "Claude Haiku 4.5",
};

export function modelObject(id: string) {
  return { type: "model", id, display_name: DISPLAY[id] ?? id, created_at: "2025-09-29T00:00:00Z" };
}
