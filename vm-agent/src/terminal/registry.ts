/** The named terminal sessions of this workspace (the page's tabs). */
import { Session } from "./session.ts";
import type { SessionInfo } from "./wire.ts";

export interface ShellSpec {
  command: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface CreateOptions {
  name?: string;
  cols?: number;
  rows?: number;
}

const maxNameLength = 64;

export class SessionRegistry {
  #sessions = new Map<string, Session>();
  #shell: ShellSpec;
  #scrollbackBytes: number | undefined;
  #banner: string | null = null;
  #counter = 0;

  constructor(shell: ShellSpec, scrollbackBytes?: number) {
    this.#shell = shell;
    this.#scrollbackBytes = scrollbackBytes;
  }

  create(opts: CreateOptions = {}): Session {
    this.#counter++;
    const name = (opts.name ?? "").trim().slice(0, maxNameLength) || `shell ${this.#counter}`;
    // Unguessable ids: a session id in a URL is not a capability, but keeps tabs from colliding.
    const id = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
    const session = new Session({
      id,
      name,
      command: this.#shell.command,
      cwd: this.#shell.cwd,
      env: this.#shell.env,
      cols: opts.cols ?? 80,
      rows: opts.rows ?? 24,
      ...(this.#scrollbackBytes === undefined ? {} : { scrollbackBytes: this.#scrollbackBytes }),
      onExit: (s) => {
        if (this.#sessions.get(s.id) === s) this.#sessions.delete(s.id);
      },
    });
    if (this.#banner !== null) session.setBanner(this.#banner);
    this.#sessions.set(id, session);
    return session;
  }

  get(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  list(): SessionInfo[] {
    return [...this.#sessions.values()].map((s) => s.info());
  }

  /** Kills the session's program; false when there is no such session. */
  async delete(id: string): Promise<boolean> {
    const session = this.#sessions.get(id);
    if (!session) return false;
    this.#sessions.delete(id);
    await session.kill();
    return true;
  }

  /** Shows (or clears) a banner in every session, including ones created later. */
  setBanner(text: string | null): void {
    this.#banner = text;
    for (const s of this.#sessions.values()) s.setBanner(text);
  }

  async closeAll(): Promise<void> {
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(all.map((s) => s.kill()));
  }
}
