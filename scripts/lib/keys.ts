// Generates the Worker's own secrets for local mode and tests: the AES-256-GCM key for user secrets
// and the P-256 key pair that signs terminal tokens.
import { generateKeyPairSync, randomBytes } from "node:crypto";

export function generateEncryptionKey(): string {
  return randomBytes(32).toString("base64");
}

export function generateSigningJwk(): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return JSON.stringify(privateKey.export({ format: "jwk" }));
}
