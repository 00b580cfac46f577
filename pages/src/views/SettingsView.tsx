import { ApiKeysSection } from "./ApiKeysSection.tsx";
import { ClaudeKeySection } from "./ClaudeKeySection.tsx";
import { CommitIdentitySection } from "./CommitIdentitySection.tsx";
import { NotificationsSection } from "./NotificationsSection.tsx";
import { SecretsSection } from "./SecretsSection.tsx";

export function SettingsView() {
  return (
    <>
      <h1>Settings</h1>
      <ClaudeKeySection />
      <SecretsSection />
      <CommitIdentitySection />
      <NotificationsSection />
      <ApiKeysSection />
    </>
  );
}
