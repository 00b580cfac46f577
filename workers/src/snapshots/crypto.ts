/**
 * Snapshot part encryption: AES-256-GCM under the workspace's own 256-bit key, which only the
 * control plane holds (sealed at rest under ENCRYPTION_KEY, like the Claude key).
 *
 * A stored part is `nonce (12 bytes) || ciphertext || tag (16 bytes)`. The nonce is 8 random bytes
 * followed by the part number (big-endian, 4 bytes), so no two parts of a snapshot, nor two uploads
 * of the same part, share one. The additional data binds the workspace, the snapshot and the part
 * number: a part copied to another place (another workspace, snapshot or position) fails to open.
 *
 * WebCrypto's AES-GCM is one-shot, so a part is encrypted whole: the archive streams through the
 * Worker one part (≤ SNAPSHOT_PART_BYTES) at a time.
 */
import type { SecretBox } from "../security/secret-box.ts";

export const nonceBytes = 12;
export const tagBytes = 16;
const formatTag = "berth-snapshot-v1";

export class SnapshotIntegrityError extends Error {}

function additionalData(workspaceId: string, snapshotId: string, n: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new TextEncoder().encode(`${formatTag}:${workspaceId}:${snapshotId}:${n}`));
}

export function nonceFor(n: number): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(nonceBytes);
  crypto.getRandomValues(nonce.subarray(0, 8));
  new DataView(nonce.buffer).setUint32(8, n, false);
  return nonce;
}

export async function importPartKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  if (raw.length !== 32) throw new Error("a snapshot key is 32 bytes");
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export interface PartAddress {
  workspaceId: string;
  snapshotId: string;
  n: number;
}

export async function sealPart(
  key: CryptoKey,
  at: PartAddress,
  plain: ArrayBuffer | Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const iv = nonceFor(at.n);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: additionalData(at.workspaceId, at.snapshotId, at.n) },
    key,
    plain,
  );
  const out = new Uint8Array(nonceBytes + sealed.byteLength);
  out.set(iv, 0);
  out.set(new Uint8Array(sealed), nonceBytes);
  return out;
}

/** Throws SnapshotIntegrityError when the stored bytes were changed, moved or truncated. */
export async function openPart(key: CryptoKey, at: PartAddress, stored: ArrayBuffer): Promise<ArrayBuffer> {
  const bytes = new Uint8Array(stored);
  if (bytes.length < nonceBytes + tagBytes)
    throw new SnapshotIntegrityError(`part ${at.n} is truncated (${bytes.length} bytes)`);
  const iv = bytes.slice(0, nonceBytes);
  if (new DataView(iv.buffer).getUint32(8, false) !== at.n)
    throw new SnapshotIntegrityError(`part ${at.n} carries another part's nonce`);
  try {
    return await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: additionalData(at.workspaceId, at.snapshotId, at.n) },
      key,
      bytes.slice(nonceBytes),
    );
  } catch {
    throw new SnapshotIntegrityError(`part ${at.n} failed its AES-GCM authentication (changed or corrupted)`);
  }
}

// The workspace id is bound into the sealed key: a key copied to another workspace's row won't open.
const keyContext = (workspaceId: string) => `snapshot-key:${workspaceId}`;

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** A fresh workspace key, sealed for storage. */
export async function newSealedKey(box: SecretBox, workspaceId: string): Promise<string> {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  return box.seal(toBase64(raw), keyContext(workspaceId));
}

export async function openSealedKey(box: SecretBox, workspaceId: string, sealed: string): Promise<CryptoKey> {
  return importPartKey(fromBase64(await box.open(sealed, keyContext(workspaceId))));
}

export function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Of(data: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", data));
}
