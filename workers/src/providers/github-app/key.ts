/**
 * The GitHub App's private key. GitHub hands out PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), which
 * WebCrypto cannot import; PKCS#8 ("BEGIN PRIVATE KEY") it can. A PKCS#1 key is wrapped into a
 * PKCS#8 PrivateKeyInfo here (the same bytes `openssl pkcs8 -topk8 -nocrypt` would write), so the
 * key GitHub gave can be set as the secret unchanged.
 */

export class AppKeyError extends Error {}

const pkcs1Label = "RSA PRIVATE KEY";
const pkcs8Label = "PRIVATE KEY";

function pemBody(pem: string): { label: string; der: Uint8Array } {
  // Secrets pasted through a shell or a dashboard often arrive with literal "\n" escapes.
  const text = pem.replace(/\\n/g, "\n").trim();
  const match = /^-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----$/.exec(text);
  if (!match?.[1] || match[2] === undefined) throw new AppKeyError("not a PEM block");
  let binary: string;
  try {
    binary = atob(match[2].replace(/\s+/g, ""));
  } catch {
    throw new AppKeyError("the PEM body is not valid base64");
  }
  return { label: match[1], der: Uint8Array.from(binary, (ch) => ch.charCodeAt(0)) };
}

/** DER length octets (definite form). */
function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return [0x80 | bytes.length, ...bytes];
}

function der(tag: number, content: Uint8Array | number[]): number[] {
  return [tag, ...derLength(content.length), ...content];
}

/** AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }. */
const rsaAlgorithm = [
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/** PrivateKeyInfo ::= SEQUENCE { version 0, algorithm rsaEncryption, privateKey OCTET STRING (PKCS#1) }. */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array {
  const body = [0x02, 0x01, 0x00, ...rsaAlgorithm, ...der(0x04, pkcs1)];
  return Uint8Array.from(der(0x30, body));
}

/** The PKCS#8 DER of either PEM form GitHub keys come in. */
export function appKeyPkcs8(pem: string): Uint8Array {
  const { label, der: bytes } = pemBody(pem);
  if (label === pkcs8Label) return bytes;
  if (label === pkcs1Label) return pkcs1ToPkcs8(bytes);
  throw new AppKeyError(`expected "BEGIN RSA PRIVATE KEY" or "BEGIN PRIVATE KEY", found "BEGIN ${label}"`);
}

/** Imports the App's key for RS256 signing. */
export async function importAppKey(pem: string): Promise<CryptoKey> {
  const pkcs8 = appKeyPkcs8(pem);
  try {
    return await crypto.subtle.importKey(
      "pkcs8",
      pkcs8,
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      false,
      ["sign"],
    );
  } catch {
    throw new AppKeyError("the PEM does not hold an RSA private key");
  }
}
