/** src/sys/ stands in for node:path and node:fs in the agent: the same answers, the same errors. */
import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as nodePath from "node:path";
import * as files from "../src/sys/files.ts";
import { dirname, join, relative } from "../src/sys/paths.ts";

describe("paths", () => {
  const cases = [
    ["/a", "b"],
    ["/a/", "/b/"],
    ["a", "..", "b"],
    ["/a/b", "../../.."],
    ["", ""],
    ["./x", "y/"],
    ["/etc/berth", "secrets.json"],
    ["a/b", "../../../c"],
  ];
  test.each(cases.map((c) => [JSON.stringify(c), c]))("join %s", (_, parts) => {
    expect(join(...(parts as string[]))).toBe(nodePath.posix.join(...(parts as string[])));
  });
  test.each(["/a/b/c", "/a/b/", "/a", "/", "a", "a/b", "", "/a/b/c.json"])("dirname %s", (p) => {
    expect(dirname(p)).toBe(nodePath.posix.dirname(p));
  });
  test.each([
    ["/data/workspace", "/data/workspace/.devcontainer/x/devcontainer.json"],
    ["/a/b", "/a/c/d"],
    ["/a/b", "/a/b"],
    ["/a/b/", "/"],
  ])("relative %s %s", (a, b) => {
    expect(relative(a, b)).toBe(nodePath.posix.relative(a, b));
  });
});

describe("files", () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
  });
  const root = async () => {
    const r = await mkdtemp(nodePath.join(tmpdir(), "berth-sys-"));
    roots.push(r);
    return r;
  };

  test("write (mode from creation on), append, read, rename, chmod", async () => {
    const r = await root();
    const p = `${r}/a.json`;
    await files.writeFile(p, "héllo\n", { mode: 0o600 });
    expect(fs.statSync(p).mode & 0o777).toBe(0o600);
    expect(await files.readFile(p)).toBe("héllo\n");
    await files.writeFile(p, "x");
    expect(fs.readFileSync(p, "utf8")).toBe("x");
    expect(fs.statSync(p).mode & 0o777).toBe(0o600);
    await files.appendFile(p, "yz");
    expect(fs.readFileSync(p, "utf8")).toBe("xyz");
    const big = "b".repeat(300_000);
    await files.writeFile(`${r}/big`, big);
    expect(await files.readFile(`${r}/big`)).toBe(big);
    await files.rename(p, `${r}/b.json`);
    expect(fs.existsSync(p)).toBe(false);
    await files.chmod(`${r}/b.json`, 0o644);
    expect(fs.statSync(`${r}/b.json`).mode & 0o777).toBe(0o644);
  });

  test("errors carry node's codes", async () => {
    const r = await root();
    const codeOf = async (p: Promise<unknown>) => ((await p.catch((e) => e)) as { code?: string }).code;
    expect(await codeOf(files.readFile(`${r}/none`))).toBe("ENOENT");
    expect(await codeOf(files.writeFile(`${r}/no/such/dir`, "x"))).toBe("ENOENT");
    expect(await codeOf(files.rename(`${r}/none`, `${r}/x`))).toBe("ENOENT");
    expect(await codeOf(files.mkdir(r))).toBe("EEXIST");
    expect(await codeOf(files.readdir(`${r}/none`))).toBe("ENOENT");
    expect(await codeOf(files.readlink(`${r}/none`))).toBe("ENOENT");
    expect(await codeOf(files.rm(`${r}/none`))).toBe("ENOENT");
    fs.writeFileSync(`${r}/file`, "");
    expect(await codeOf(files.mkdir(`${r}/file/sub`, { recursive: true }))).toBe("ENOTDIR");
    fs.mkdirSync(`${r}/dir`);
    expect(await codeOf(files.rm(`${r}/dir`))).toBe("EISDIR");
  });

  test("mkdir: recursive with a mode, fine with what exists", async () => {
    const r = await root();
    await files.mkdir(`${r}/a/b/c`, { recursive: true, mode: 0o700 });
    expect(fs.statSync(`${r}/a/b/c`).isDirectory()).toBe(true);
    expect(fs.statSync(`${r}/a`).mode & 0o777).toBe(0o700);
    await files.mkdir(`${r}/a/b/c`, { recursive: true });
    await files.mkdir(`${r}/d`);
    expect(fs.statSync(`${r}/d`).isDirectory()).toBe(true);
  });

  test("rm: force, recursive (symlinks removed, never followed); exists; readdir; readlink", async () => {
    const r = await root();
    const keep = `${r}/keep`;
    fs.mkdirSync(keep);
    fs.writeFileSync(`${keep}/precious`, "p");
    fs.mkdirSync(`${r}/tree/sub/.hidden`, { recursive: true });
    fs.writeFileSync(`${r}/tree/sub/f`, "f");
    fs.writeFileSync(`${r}/tree/.dot`, "d");
    fs.symlinkSync(keep, `${r}/tree/link`);
    expect((await files.readdir(`${r}/tree`)).sort()).toEqual([".dot", "link", "sub"]);
    expect((await files.readdirWithTypes(`${r}/tree`)).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: ".dot", isDirectory: false },
      { name: "link", isDirectory: false },
      { name: "sub", isDirectory: true },
    ]);
    expect(await files.readlink(`${r}/tree/link`)).toBe(keep);
    expect(files.exists(`${r}/tree/sub/f`)).toBe(true);
    expect(files.exists(`${r}/tree/link/precious`)).toBe(true);
    expect(files.exists(`${r}/tree/none`)).toBe(false);
    await files.rm(`${r}/tree`, { recursive: true, force: true });
    expect(fs.existsSync(`${r}/tree`)).toBe(false);
    expect(fs.readFileSync(`${keep}/precious`, "utf8")).toBe("p");
    await files.rm(`${r}/tree`, { recursive: true, force: true });
    await files.rm(`${keep}/precious`);
    expect(fs.existsSync(`${keep}/precious`)).toBe(false);
  });

  test("/proc: a process's descriptors and their links, as the port detector reads them", async () => {
    const fds = await files.readdir(`/proc/${process.pid}/fd`);
    expect(fds.length).toBeGreaterThan(0);
    const links = await Promise.all(
      fds.map((fd) => files.readlink(`/proc/${process.pid}/fd/${fd}`).catch(() => "")),
    );
    expect(links.some((l) => l.startsWith("/") || l.startsWith("socket:") || l.startsWith("pipe:"))).toBe(
      true,
    );
  });
});
