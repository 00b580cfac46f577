import { describe, expect, it } from "vitest";
import { importPartKey, openPart, SnapshotIntegrityError, sealPart } from "../src/snapshots/crypto.ts";
import { readCapped } from "../src/snapshots/upload.ts";
import { randomBytes } from "./support/snapshots.ts";

const at = { workspaceId: "wabc", snapshotId: "sxyz", n: 3 };

describe("snapshot part encryption (AES-256-GCM, a per-workspace key)", () => {
  it("round-trips a part, and the stored bytes are not the plain ones", async () => {
    const key = await importPartKey(randomBytes(32));
    const plain = randomBytes(200_000);
    const sealed = await sealPart(key, at, plain);
    expect(sealed.length).toBe(plain.length + 12 + 16);
    expect(Buffer.from(sealed).includes(Buffer.from(plain.slice(0, 64)))).toBe(false);
    expect(new Uint8Array(await openPart(key, at, sealed.buffer))).toEqual(plain);
  });

  it("uses a fresh nonce for every sealing, ending in the part number", async () => {
    const key = await importPartKey(randomBytes(32));
    const a = await sealPart(key, at, randomBytes(10));
    const b = await sealPart(key, at, randomBytes(10));
    expect(a.slice(0, 8)).not.toEqual(b.slice(0, 8));
    expect(new DataView(a.buffer).getUint32(8)).toBe(3);
  });

  it("detects a flipped bit, a truncation, a part moved elsewhere and another workspace's key", async () => {
    const key = await importPartKey(randomBytes(32));
    const sealed = await sealPart(key, at, randomBytes(1000));
    const flipped = sealed.slice();
    flipped[500] = (flipped[500] ?? 0) ^ 1;
    const attempts: Array<Promise<unknown>> = [
      openPart(key, at, flipped.buffer),
      openPart(key, at, sealed.slice(0, 20).buffer),
      openPart(key, { ...at, snapshotId: "sother" }, sealed.slice().buffer),
      openPart(key, { ...at, workspaceId: "wother" }, sealed.slice().buffer),
      openPart(key, { ...at, n: 4 }, sealed.slice().buffer),
      openPart(await importPartKey(randomBytes(32)), at, sealed.slice().buffer),
    ];
    for (const attempt of attempts) await expect(attempt).rejects.toBeInstanceOf(SnapshotIntegrityError);
  });

  it("stops reading a body as soon as it passes the part size", async () => {
    const body = new Response(randomBytes(5000)).body;
    await expect(readCapped(body, 4096)).rejects.toMatchObject({ status: 413 });
    expect((await readCapped(new Response(randomBytes(4096)).body, 4096)).length).toBe(4096);
    await expect(readCapped(new Response(randomBytes(10)).body, 4096, 5000)).rejects.toMatchObject({
      status: 413,
    });
    // A body longer than it said still stops at the limit; one shorter is what it is.
    await expect(readCapped(new Response(randomBytes(5000)).body, 4096, 100)).rejects.toMatchObject({
      status: 413,
    });
    const bytes = randomBytes(3000);
    expect(await readCapped(new Response(bytes).body, 4096)).toEqual(bytes);
    expect(await readCapped(new Response(bytes).body, 4096, 4000)).toEqual(bytes);
  });
});
