/**
 * The few file operations the agent needs, in place of node:fs and node:fs/promises: loading those
 * costs the agent ~5 MB of resident memory on every VM. Reads go through Bun.file; everything Bun
 * has no API for goes to libc through bun:ffi, which the terminal's PTY loads anyway. Errors carry
 * node's `code` (ENOENT, EEXIST, ...) so callers read them the same way. Linux only (glibc's
 * 64-bit struct dirent), like the agent.
 */
import { CString, ptr, read } from "bun:ffi";
import { libc } from "./libc.ts";

const O_WRONLY = 0o1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_CLOEXEC = 0o2000000;
const DT_DIR = 4;
const errnoNames: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  13: "EACCES",
  17: "EEXIST",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  28: "ENOSPC",
  30: "EROFS",
  39: "ENOTEMPTY",
};

export interface FileError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path: string;
}

const cstr = (s: string) => Buffer.from(`${s}\0`);

function fail(syscall: string, path: string): never {
  const errno = read.i32(libc().__errno_location() as NonNullable<ReturnType<typeof ptr>>, 0);
  const code = errnoNames[errno] ?? `E${errno}`;
  throw Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, errno, syscall, path });
}

const codeOf = (err: unknown) => (err as Partial<FileError>).code;

export async function readFile(path: string): Promise<string> {
  return Bun.file(path).text();
}

function writeAll(path: string, flags: number, data: string, mode: number): void {
  const c = libc();
  const fd = c.open(cstr(path), O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode);
  if (fd < 0) fail("open", path);
  try {
    const bytes = Buffer.from(data);
    let done = 0;
    while (done < bytes.length) {
      const n = c.write(fd, ptr(bytes, done), bytes.length - done);
      if (n < 0) fail("write", path);
      done += n;
    }
  } finally {
    c.close(fd);
  }
}

/** Like node's writeFile: `mode` (default 0666, less the umask) applies when it creates the file. */
export async function writeFile(path: string, data: string, opts: { mode?: number } = {}): Promise<void> {
  writeAll(path, O_TRUNC, data, opts.mode ?? 0o666);
}

export async function appendFile(path: string, data: string): Promise<void> {
  writeAll(path, O_APPEND, data, 0o666);
}

/** Like node's mkdir: `recursive` makes the missing parents and is fine with an existing directory. */
export async function mkdir(path: string, opts: { recursive?: boolean; mode?: number } = {}): Promise<void> {
  const mode = opts.mode ?? 0o777;
  const c = libc();
  if (!opts.recursive) {
    if (c.mkdir(cstr(path), mode) !== 0) fail("mkdir", path);
    return;
  }
  const parts = path.split("/").filter(Boolean);
  let at = path.startsWith("/") ? "" : ".";
  for (const part of parts) {
    at = `${at}/${part}`;
    if (c.mkdir(cstr(at), mode) === 0) continue;
    try {
      fail("mkdir", at);
    } catch (err) {
      if (codeOf(err) !== "EEXIST") throw err;
    }
  }
  if (!isDirectory(path)) fail("mkdir", path);
}

function isDirectory(path: string): boolean {
  const d = libc().opendir(cstr(path));
  if (!d) return false;
  libc().closedir(d);
  return true;
}

export async function chmod(path: string, mode: number): Promise<void> {
  if (libc().chmod(cstr(path), mode) !== 0) fail("chmod", path);
}

export async function rename(from: string, to: string): Promise<void> {
  if (libc().rename(cstr(from), cstr(to)) !== 0) fail("rename", from);
}

/** Like node's rm: `force` ignores a missing path, `recursive` removes a directory's tree. */
export async function rm(path: string, opts: { force?: boolean; recursive?: boolean } = {}): Promise<void> {
  try {
    remove(path, opts.recursive ?? false);
  } catch (err) {
    if (!(opts.force && codeOf(err) === "ENOENT")) throw err;
  }
}

function remove(path: string, recursive: boolean): void {
  const c = libc();
  if (c.unlink(cstr(path)) === 0) return;
  try {
    fail("unlink", path);
  } catch (err) {
    // unlink(2) of a directory is EISDIR on Linux.
    if (!recursive || codeOf(err) !== "EISDIR") throw err;
  }
  for (const entry of entries(path)) remove(`${path}/${entry.name}`, true);
  if (c.rmdir(cstr(path)) !== 0) fail("rmdir", path);
}

/** Sync, like node's existsSync: follows symlinks; false on any error. */
export function exists(path: string): boolean {
  return libc().access(cstr(path), 0) === 0;
}

export async function readlink(path: string): Promise<string> {
  const buf = Buffer.alloc(4096);
  const n = libc().readlink(cstr(path), ptr(buf), buf.length);
  if (n < 0) fail("readlink", path);
  return buf.subarray(0, n).toString();
}

export interface DirEntry {
  name: string;
  /** From the directory itself (a symlink to a directory is not one). */
  isDirectory: boolean;
}

/** The names in a directory, without `.` and `..`. */
export async function readdir(path: string): Promise<string[]> {
  return entries(path).map((e) => e.name);
}

export async function readdirWithTypes(path: string): Promise<DirEntry[]> {
  return entries(path);
}

function entries(path: string): DirEntry[] {
  const c = libc();
  const dir = c.opendir(cstr(path));
  if (!dir) fail("opendir", path);
  const out: DirEntry[] = [];
  try {
    for (;;) {
      const ent = c.readdir(dir);
      if (!ent) break;
      // struct dirent (64-bit glibc): d_ino u64, d_off i64, d_reclen u16, d_type u8, d_name[256].
      const type = read.u8(ent, 18);
      const name = new CString(ent, 19).toString();
      if (name === "." || name === "..") continue;
      // DT_UNKNOWN (0): a file system that does not say; ask the entry itself.
      out.push({ name, isDirectory: type === DT_DIR || (type === 0 && isDirectory(`${path}/${name}`)) });
    }
  } finally {
    c.closedir(dir);
  }
  return out;
}
