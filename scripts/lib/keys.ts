// Generates the Worker's own secrets for local mode and tests: the AES-256-GCM key for user secrets
// and the P-256 key pair that signs terminal tokens; and a GitHub App private key for the stand-in App.
import { generateKeyPairSync, randomBytes } from "node:crypto";

export function generateEncryptionKey(): string {
  return randomBytes(32).toString("base64");
}

export function generateSigningJwk(): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return JSON.stringify(privateKey.export({ format: "jwk" }));
}

/** An RSA key in the form GitHub hands App keys out: PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"). */
export function generateGithubAppKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return privateKey.export({ format: "pem", type: "pkcs1" }).toString();
}
