import { type ListeningPort, type PortVisibility, portVisibilities } from "@berth/protocol";
import { and, asc, eq, notInArray } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type Workspace, type WorkspacePort, workspacePorts } from "../db/schema/index.ts";
import type { Settings } from "../settings.ts";
import { recordEvent } from "./store.ts";

export { portVisibilities };

export interface PortView {
  port: number;
  process: string | null;
  first_seen_at: string | null;
  visibility: PortVisibility;
  url: string;
}

/** `<port>.<hostname>`: Caddy (or the local edge) forwards it to that port in the VM. */
export function portUrl(ws: Pick<Workspace, "hostname">, port: number, settings: Settings): string {
  const suffix = settings.workspacePort ? `:${settings.workspacePort}` : "";
  return `${settings.workspaceScheme}://${port}.${ws.hostname}${suffix}`;
}

function view(ws: Workspace, row: WorkspacePort, settings: Settings): PortView {
  return {
    port: row.port,
    process: row.process,
    first_seen_at: row.firstSeenAt ? row.firstSeenAt.toISOString() : null,
    visibility: row.visibility,
    url: portUrl(ws, row.port, settings),
  };
}

/** The ports listening now, as the agent last reported them. */
export async function listPorts(db: Database, ws: Workspace, settings: Settings): Promise<PortView[]> {
  const rows = await db
    .select()
    .from(workspacePorts)
    .where(and(eq(workspacePorts.workspaceId, ws.id), eq(workspacePorts.listening, true)))
    .orderBy(asc(workspacePorts.port));
  return rows.map((r) => view(ws, r, settings));
}

/**
 * Stores what a heartbeat says listens now. Ports that are missing stop listening (they keep their
 * visibility, should they come back). Writes only what changed: heartbeats come every few seconds
 * while ports listen.
 */
export async function syncReportedPorts(
  db: Database,
  workspaceId: string,
  ports: ListeningPort[],
  now: number,
) {
  const known = await db.select().from(workspacePorts).where(eq(workspacePorts.workspaceId, workspaceId));
  const byPort = new Map(known.map((r) => [r.port, r]));
  const at = new Date(now);
  for (const p of ports) {
    const row = byPort.get(p.port);
    const firstSeen = new Date(Math.min(Date.parse(p.first_seen_at), now));
    if (row?.listening && row.process === p.process) continue;
    await db
      .insert(workspacePorts)
      .values({
        workspaceId,
        port: p.port,
        process: p.process,
        firstSeenAt: firstSeen,
        listening: true,
        updatedAt: at,
      })
      .onConflictDoUpdate({
        target: [workspacePorts.workspaceId, workspacePorts.port],
        set: { process: p.process, firstSeenAt: firstSeen, listening: true, updatedAt: at },
      });
  }
  const reported = ports.map((p) => p.port);
  if (known.some((r) => r.listening && !reported.includes(r.port))) {
    await db
      .update(workspacePorts)
      .set({ listening: false, updatedAt: at })
      .where(
        and(
          eq(workspacePorts.workspaceId, workspaceId),
          eq(workspacePorts.listening, true),
          ...(reported.length ? [notInArray(workspacePorts.port, reported)] : []),
        ),
      );
  }
}

/**
 * The VM is gone: nothing listens any more. The ports keep their visibility, so a port the owner
 * made public is public again once the next VM reports it listening.
 */
export async function forgetListeningPorts(db: Database, workspaceId: string, now: number) {
  await db
    .update(workspacePorts)
    .set({ listening: false, updatedAt: new Date(now) })
    .where(and(eq(workspacePorts.workspaceId, workspaceId), eq(workspacePorts.listening, true)));
}

/** Ports anyone may open without the owner's login (the agent's forward-auth lets them through). */
export async function publicPorts(db: Database, workspaceId: string): Promise<number[]> {
  const rows = await db
    .select({ port: workspacePorts.port })
    .from(workspacePorts)
    .where(and(eq(workspacePorts.workspaceId, workspaceId), eq(workspacePorts.visibility, "public")))
    .orderBy(asc(workspacePorts.port));
  return rows.map((r) => r.port);
}

/**
 * The owner makes a port public or private; a port that does not listen yet may be set ahead of
 * time. A change goes on the timeline; setting the same visibility again records nothing.
 */
export async function setPortVisibility(
  db: Database,
  ws: Workspace,
  port: number,
  visibility: PortVisibility,
  settings: Settings,
  now = Date.now(),
): Promise<PortView> {
  const at = new Date(now);
  const [before] = await db
    .select()
    .from(workspacePorts)
    .where(and(eq(workspacePorts.workspaceId, ws.id), eq(workspacePorts.port, port)));
  const [row] = await db
    .insert(workspacePorts)
    .values({ workspaceId: ws.id, port, visibility, updatedAt: at })
    .onConflictDoUpdate({
      target: [workspacePorts.workspaceId, workspacePorts.port],
      set: { visibility, updatedAt: at },
    })
    .returning();
  if ((before?.visibility ?? "private") !== visibility) {
    const what = visibility === "public" ? "public: anyone with its URL can open it" : "private to you";
    await recordEvent(db, ws.id, "port", `port ${port} is now ${what}`, now);
  }
  return view(ws, row as WorkspacePort, settings);
}
