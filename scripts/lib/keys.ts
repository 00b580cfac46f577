// Generates the Worker's own secrets for local mode and tests: the AES-256-GCM key for user secrets,
// the P-256 key pairs that sign terminal tokens and Web Push (VAPID), and the GitHub App's RSA key (for the stand-in).
import { generateKeyPairSync, randomBytes } from "node:crypto";

export function generateEncryptionKey(): string {
  return randomBytes(32).toString("base64");
}

export function generateSigningJwk(): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return JSON.stringify(privateKey.export({ format: "jwk" }));
}

/** Web Push's application server key (VAPID, RFC 8292): a P-256 key pair, as a private JWK. */
export const generateVapidKey = generateSigningJwk;

/**
 * A GitHub App private key as GitHub hands it out (PKCS#1 PEM), with its newlines escaped as "\\n"
 * so it fits on one line of .dev.vars; the stand-in and the Worker both accept that form.
 */
export function generateGithubAppKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs1", format: "pem" }).toString().trim().replace(/\n/g, "\\n");
}
