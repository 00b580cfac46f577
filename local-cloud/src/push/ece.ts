import { webcrypto } from "node:crypto";

type JsonWebKey = webcrypto.JsonWebKey;

/**
 * The receiving side of Web Push encryption, as a browser does it: RFC 8291 keys on RFC 8188's
 * aes128gcm content coding. The push service stand-in decrypts what the Worker sent to keys the
 * test registered, so a test can read what a person's browser would show. WebCrypto only.
 */
const subtle = webcrypto.subtle;
const text = new TextEncoder();

export function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

export function fromB64u(value: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(value, "base64url"));
}

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number) {
  // Copies: WebCrypto wants ArrayBuffer-backed views, whatever the caller's came from.
  const key = await subtle.importKey("raw", new Uint8Array(ikm), "HKDF", false, ["deriveBits"]);
  const params = { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(salt), info: new Uint8Array(info) };
  return new Uint8Array(await subtle.deriveBits(params, key, bytes * 8));
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** A browser's subscription keys: the P-256 key pair (p256dh is its public half) and the auth secret. */
export interface ReceiverKeys {
  privateJwk: JsonWebKey;
  /** The uncompressed point (65 bytes). */
  publicKey: Uint8Array<ArrayBuffer>;
  auth: Uint8Array<ArrayBuffer>;
}

export async function generateReceiverKeys(): Promise<ReceiverKeys> {
  const pair = (await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ])) as webcrypto.CryptoKeyPair;
  return {
    privateJwk: await subtle.exportKey("jwk", pair.privateKey),
    publicKey: new Uint8Array(await subtle.exportKey("raw", pair.publicKey)),
    auth: webcrypto.getRandomValues(new Uint8Array(16)),
  };
}

/** The receiver's keys from a private JWK (x, y, d) and an auth secret, as a test registers them. */
export function receiverKeysFrom(privateJwk: JsonWebKey, auth: Uint8Array<ArrayBuffer>): ReceiverKeys {
  if (
    typeof privateJwk.x !== "string" ||
    typeof privateJwk.y !== "string" ||
    typeof privateJwk.d !== "string"
  )
    throw new Error("private_key_jwk must be a private P-256 JWK");
  return {
    privateJwk,
    publicKey: concat(new Uint8Array([4]), fromB64u(privateJwk.x), fromB64u(privateJwk.y)),
    auth,
  };
}

export class DecryptError extends Error {}

/** RFC 8188 §2.1 header, then exactly one record (RFC 8291 §4: a push message is one record). */
export async function decryptPushMessage(body: Uint8Array<ArrayBuffer>, keys: ReceiverKeys): Promise<string> {
  if (body.length < 21 + 65 + 17) throw new DecryptError("shorter than an aes128gcm header and one record");
  const salt = body.slice(0, 16);
  const recordSize = new DataView(body.buffer, body.byteOffset).getUint32(16);
  const idLength = body[20] ?? 0;
  if (idLength !== 65) throw new DecryptError("keyid must be the sender's 65-byte P-256 public key");
  const senderPublic = body.slice(21, 86);
  const ciphertext = body.slice(86);
  if (ciphertext.length > recordSize) throw new DecryptError("more than one record");
  const privateKey = await subtle.importKey(
    "jwk",
    keys.privateJwk,
    { name: "ECDH", namedCurve: "P-256" },
    false,
    ["deriveBits"],
  );
  const sender = await subtle.importKey(
    "raw",
    senderPublic,
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const shared = new Uint8Array(await subtle.deriveBits({ name: "ECDH", public: sender }, privateKey, 256));
  const keyInfo = concat(text.encode("WebPush: info\0"), keys.publicKey, senderPublic);
  const ikm = await hkdf(keys.auth, shared, keyInfo, 32);
  const cek = await hkdf(salt, ikm, text.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, text.encode("Content-Encoding: nonce\0"), 12);
  let padded: Uint8Array;
  try {
    const key = await subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
    padded = new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, ciphertext));
  } catch {
    throw new DecryptError("AES-GCM authentication failed (wrong keys?)");
  }
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new DecryptError("the last record's delimiter (0x02) is missing");
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(padded.slice(0, end));
}
