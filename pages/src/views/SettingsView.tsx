import { ApiKeysSection } from "./ApiKeysSection.tsx";
import { ClaudeKeySection } from "./ClaudeKeySection.tsx";

export function SettingsView() {
  return (
    <>
      <h1>Settings</h1>
      <ClaudeKeySection />
      <ApiKeysSection />
    </>
  );
}
