/**
 * AES-256-GCM encryption of user secrets at rest, under a 32-byte key from a Worker secret
 * (base64). Stored as `v1.<iv>.<ciphertext>` so the format can change without guessing.
 */
const version = "v1";

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export class SecretBox {
  private readonly key: Promise<CryptoKey>;

  constructor(base64Key: string) {
    const raw = fromBase64(base64Key);
    if (raw.length !== 32) throw new Error("ENCRYPTION_KEY must be 32 bytes, base64-encoded");
    this.key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  }

  async seal(plaintext: string, context: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt(
      // The context (e.g. the owner's id) is authenticated, so a ciphertext moved to another row fails.
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
      await this.key,
      new TextEncoder().encode(plaintext),
    );
    return `${version}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
  }

  async open(sealed: string, context: string): Promise<string> {
    const [v, iv, data] = sealed.split(".");
    if (v !== version || !iv || !data) throw new Error("unrecognised ciphertext format");
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(iv), additionalData: new TextEncoder().encode(context) },
      await this.key,
      fromBase64(data),
    );
    return new TextDecoder().decode(plain);
  }
}
