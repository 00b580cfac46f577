import { useState } from "react";

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [status, setStatus] = useState<"idle" | "copied" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setStatus("copied");
    } catch {
      setStatus("failed");
    }
    setTimeout(() => setStatus("idle"), 2000);
  }
  return (
    <>
      <button type="button" onClick={copy}>
        {label}
      </button>
      <span className="copy-status" role="status">
        {status === "copied"
          ? "Copied"
          : status === "failed"
            ? "Copy failed: select the text and copy it"
            : ""}
      </span>
    </>
  );
}
