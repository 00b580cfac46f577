/**
 * The libc functions the agent calls through bun:ffi (which the terminal's PTY loads anyway): file
 * operations in place of node:fs (files.ts) and madvise (resident.ts). Bound on first use.
 */
import { dlopen, FFIType } from "bun:ffi";

const { i32, u32, u64, ptr: pointer } = FFIType;
export const libc = lazy(
  () =>
    dlopen("libc.so.6", {
      __errno_location: { args: [], returns: pointer },
      open: { args: [pointer, i32, u32], returns: i32 },
      write: { args: [i32, pointer, u64], returns: i32 },
      close: { args: [i32], returns: i32 },
      mkdir: { args: [pointer, u32], returns: i32 },
      chmod: { args: [pointer, u32], returns: i32 },
      rename: { args: [pointer, pointer], returns: i32 },
      unlink: { args: [pointer], returns: i32 },
      rmdir: { args: [pointer], returns: i32 },
      access: { args: [pointer, i32], returns: i32 },
      readlink: { args: [pointer, pointer, u64], returns: i32 },
      opendir: { args: [pointer], returns: pointer },
      readdir: { args: [pointer], returns: pointer },
      closedir: { args: [pointer], returns: i32 },
      madvise: { args: [u64, u64, i32], returns: i32 },
    }).symbols,
);

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}
