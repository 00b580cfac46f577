/** Unpacks an archive made by pack.ts into a fresh directory (workspace/ and berth/ below it). */
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { createZstdDecompress } from "node:zlib";
import type { ArchiveMeta } from "./pack.ts";
import { drained, SnapshotError, tailText } from "./spawn.ts";

export interface Unpacked {
  workspaceDir: string;
  /** Holds <name>.tar for each home source. */
  homeDir: string;
  meta: ArchiveMeta;
}

export async function unpackSnapshot(archive: string, dest: string): Promise<Unpacked> {
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  const tar = Bun.spawn(
    [
      "tar",
      "-x",
      "-f",
      "-",
      "--numeric-owner",
      "--preserve-permissions",
      // Two tars back to back (pack.ts); also keeps symlinks as symlinks and refuses "../".
      "--ignore-zeros",
      "-C",
      dest,
    ],
    { stdin: "pipe", stdout: "ignore", stderr: "pipe" },
  );
  const stderr = new Response(tar.stderr).text();
  const z = createZstdDecompress({ chunkSize: 1 << 20 });
  const feed = (async () => {
    for await (const chunk of Bun.file(archive).stream() as unknown as AsyncIterable<Uint8Array>) {
      if (z.destroyed) return;
      if (!z.write(chunk)) await drained(z);
    }
    z.end();
  })();
  try {
    let buffered = 0;
    for await (const c of z as AsyncIterable<Buffer>) {
      buffered += c.length;
      tar.stdin.write(c);
      // Wait for tar now and then, not after every chunk (a flush per chunk halves the rate).
      if (buffered >= 8 << 20) {
        await tar.stdin.flush();
        buffered = 0;
      }
    }
  } catch (err) {
    tar.kill("SIGKILL");
    throw new SnapshotError(
      `the archive cannot be decompressed: ${err instanceof Error ? err.message : err}`,
    );
  } finally {
    await tar.stdin.end();
    await feed.catch(() => {});
  }
  const code = await tar.exited;
  if (code !== 0)
    throw new SnapshotError(`tar could not unpack the archive (exit ${code}): ${tailText(await stderr)}`);
  let meta: ArchiveMeta;
  try {
    meta = JSON.parse(await readFile(join(dest, "berth", "meta.json"), "utf8")) as ArchiveMeta;
  } catch {
    throw new SnapshotError("the archive has no berth/meta.json: not a Berth snapshot");
  }
  return { workspaceDir: join(dest, "workspace"), homeDir: join(dest, "berth", "home"), meta };
}
