import { waitForState } from "./lifecycle.ts";
import type { MatrixFixture } from "./matrix-fixture.ts";

/**
 * How the owner makes a request that succeeds, per operationId. The document says which
 * parameters and body an operation takes; this table only says which of the owner's resources to
 * point it at and what status success is. The authorization matrix fails for an operation missing
 * here, so every route added later gets an entry (and with it, the matrix's checks).
 */
export interface OwnerRequest {
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** The JSON body; when absent, one is generated from the document's schema (its example values). */
  body?: unknown;
  expect: number;
  /** Changes or removes what other operations need: runs after all the others. */
  destructive?: boolean;
  /** Ends the session it is sent with: each caller with a cookie gets a fresh one for it. */
  endsSession?: boolean;
  /**
   * For operations on the caller's own account named in the path (a secret's name): what another
   * user gets, by caller name. They act on their own account (session first, then API key), and
   * the owner's value must still never show (the leak check still runs).
   */
  asOtherUser?: Record<string, number>;
  /** Sees the owner's response (e.g. to remember what it created). */
  after?: (fx: MatrixFixture, json: unknown) => Promise<void>;
}

/** Waits for its server and DNS records before anything may stop it (see settleWorkspaces). */
const rememberWorkspace = async (fx: MatrixFixture, json: unknown) => {
  const { id } = json as { id: string };
  fx.created.push(id);
  await waitForState(id, "booting");
};

/** A stopped or deleted workspace no longer counts against the owner's live-workspace limit. */
const forget = async (_fx: MatrixFixture, json: unknown) => {
  const { id, state } = json as { id: string; state: string };
  if (state === "stopping") await waitForState(id, "deleted");
};

const emptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const heartbeat = {
  last_human_input_at: null,
  claude: { state: "idle" },
  open_terminals: 1,
  idle: { idle_seconds: 5, warning: false, shutdown_at: null },
};

/** RFC 8291's example receiver key: a real P-256 point, as the route checks. */
const pushSubscription = {
  endpoint: "https://127.0.0.1:9/send/matrix",
  keys: {
    p256dh: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
    auth: "BTBZMqHH6r4Tts7J_aSIgg",
  },
};

export const ownerRequests: Record<string, (fx: MatrixFixture) => OwnerRequest> = {
  getHealth: () => ({ expect: 200 }),
  getMe: () => ({ expect: 200 }),
  getUsage: () => ({ expect: 200 }),
  getGitIdentity: () => ({ expect: 200 }),
  setGitIdentity: () => ({ body: { email: null }, expect: 200 }),
  createApiKey: () => ({ body: { name: "matrix" }, expect: 201 }),
  listApiKeys: () => ({ expect: 200 }),
  revokeApiKey: (fx) => ({ params: { id: fx.spareKey.id }, expect: 204, destructive: true }),
  getCredentials: () => ({ expect: 200 }),
  setClaudeKey: (fx) => ({ body: { api_key: fx.claudeKey }, expect: 200 }),
  clearClaudeKey: () => ({ expect: 204, destructive: true }),
  getNotificationPreferences: () => ({ expect: 200 }),
  setNotificationPreferences: () => ({
    body: { task_finished: true, task_failed: false, claude_waiting: true },
    expect: 200,
  }),
  getPushConfig: () => ({ expect: 200 }),
  // The endpoint names a browser, not an account: whoever holds it (the same browser signed in as
  // someone else) takes the subscription over. Nothing listens at port 9 (discard): the test push fails at once.
  createPushSubscription: () => ({
    body: pushSubscription,
    expect: 201,
    asOtherUser: { "another user (session)": 201, "another user (API key)": 201 },
  }),
  sendTestPush: () => ({ expect: 202 }),
  deletePushSubscription: () => ({
    body: { endpoint: pushSubscription.endpoint },
    expect: 204,
    destructive: true,
    // The owner took the subscription back last: the others have none with this endpoint.
    asOtherUser: { "another user (session)": 404, "another user (API key)": 404 },
  }),
  listSecrets: () => ({ expect: 200 }),
  setSecret: () => ({
    params: { name: "MATRIX_SECRET" },
    body: { value: "v" },
    expect: 201,
    asOtherUser: { "another user (session)": 201, "another user (API key)": 200 },
  }),
  deleteSecret: () => ({
    params: { name: "MATRIX_SECRET" },
    expect: 204,
    destructive: true,
    asOtherUser: { "another user (session)": 204, "another user (API key)": 404 },
  }),
  listWorkspacePorts: (fx) => ({ params: { id: fx.main.id }, expect: 200 }),
  setWorkspacePortVisibility: (fx) => ({
    params: { id: fx.main.id, port: "3000" },
    body: { visibility: "public" },
    expect: 200,
  }),
  restartWorkspaceEnvironment: (fx) => ({ params: { id: fx.main.id }, expect: 202 }),
  createWorkspace: (fx) => ({ body: { repo_url: fx.repoUrl }, expect: 201, after: rememberWorkspace }),
  listWorkspaces: () => ({ query: { include_ended: "true" }, expect: 200 }),
  getWorkspace: (fx) => ({ params: { id: fx.main.id }, expect: 200 }),
  deleteWorkspace: (fx) => ({
    params: { id: fx.created[0] ?? "" },
    expect: 202,
    destructive: true,
    after: forget,
  }),
  stopWorkspace: (fx) => ({ params: { id: fx.fresh.id }, expect: 202, destructive: true, after: forget }),
  // After the two above (document order): the owner is below the live-workspace limit again.
  wakeWorkspace: (fx) => ({ params: { id: fx.asleep.id }, expect: 202, destructive: true }),
  listWorkspaceEvents: (fx) => ({ params: { id: fx.main.id }, expect: 200 }),
  createTerminalToken: (fx) => ({ params: { id: fx.main.id }, expect: 200 }),
  listServerTypes: () => ({ expect: 200 }),
  // The fixture's repo is a public clone (not under GITHUB_WEB_URL): the owner gets the clear 409.
  // With the GitHub stand-in's App endpoints, a fixture workspace on a stand-in repo could get 201.
  createPullRequest: (fx) => ({ params: { id: fx.main.id }, body: { title: "matrix" }, expect: 409 }),
  listRepositories: () => ({
    query: { q: "matrix" },
    expect: 200,
  }),
  vmBootstrap: (fx) => ({ params: { id: fx.fresh.id }, expect: 200 }),
  vmProgress: (fx) => ({ params: { id: fx.main.id }, body: { step: "clone", message: "ok" }, expect: 200 }),
  vmReady: (fx) => ({ params: { id: fx.main.id }, body: { runtime: "host" }, expect: 200 }),
  vmSecrets: (fx) => ({ params: { id: fx.main.id }, expect: 200 }),
  vmHeartbeat: (fx) => ({ params: { id: fx.main.id }, body: heartbeat, expect: 200 }),
  // A public clone's workspace has no App token to give (409); authentication is what the matrix checks.
  vmGitCredentials: (fx) => ({ params: { id: fx.main.id }, expect: 409 }),
  vmShutdown: (fx) => ({
    params: { id: fx.main.id },
    body: { reason: "idle" },
    expect: 202,
    destructive: true,
  }),
  vmCreateSnapshot: (fx) => ({ params: { id: fx.main.id }, body: { kind: "checkpoint" }, expect: 201 }),
  // An empty part 0 (the fixture stored the same), so the complete below stays valid.
  vmPutSnapshotPart: (fx) => ({
    params: { id: fx.main.id, sid: fx.snapshots.uploading, n: "0" },
    expect: 200,
  }),
  vmGetSnapshotPart: (fx) => ({
    params: { id: fx.main.id, sid: fx.snapshots.verified, n: "0" },
    expect: 200,
  }),
  vmGetSnapshot: (fx) => ({ params: { id: fx.main.id, sid: fx.snapshots.verified }, expect: 200 }),
  vmCompleteSnapshot: (fx) => ({
    params: { id: fx.main.id, sid: fx.snapshots.uploading },
    body: { size: 0, sha256: emptySha256, parts: [{ n: 0, size: 0, sha256: emptySha256 }] },
    // After the part upload above (document order), before vmShutdown puts the workspace to sleep.
    expect: 200,
  }),
  // Destructive: after the deletes and stops above, the owner has a live-workspace slot for it.
  createTask: (fx) => ({
    body: { repo: fx.repoUrl, prompt: "matrix" },
    expect: 201,
    destructive: true,
    after: async (f, json) => rememberWorkspace(f, { id: (json as { workspace_id: string }).workspace_id }),
    // Other users already hold their 3 live workspaces (MAX_LIVE_WORKSPACES_PER_USER) by then.
    asOtherUser: { "another user (session)": 409, "another user (API key)": 409 },
  }),
  listTasks: () => ({ expect: 200 }),
  getTask: (fx) => ({ params: { id: fx.task.id }, expect: 200 }),
  listTaskEvents: (fx) => ({ params: { id: fx.task.id }, expect: 200 }),
  // The fixture task's workspace failed: no follow-up can run (409); authentication is what is checked.
  postTaskMessage: (fx) => ({ params: { id: fx.task.id }, body: { text: "more" }, expect: 409 }),
  // Not destructive: the follow-up above is refused all the same (409), and deleteTask runs last.
  cancelTask: (fx) => ({ params: { id: fx.task.id }, expect: 202 }),
  deleteTask: (fx) => ({ params: { id: fx.task.id }, expect: 202, destructive: true }),
  // The main workspace runs no task (409); authentication is what the matrix checks.
  vmTaskEvents: (fx) => ({
    params: { id: fx.main.id },
    body: {
      task_id: "t1",
      events: [{ seq: 1, at: new Date().toISOString(), turn: 0, kind: "message", text: "x" }],
    },
    expect: 409,
  }),
  vmTaskMessages: (fx) => ({ params: { id: fx.main.id }, expect: 409 }),
  vmTaskResult: (fx) => ({
    params: { id: fx.main.id },
    body: {
      task_id: "t1",
      turn: 0,
      outcome: "succeeded",
      branch: "berth/t1",
      commits: 0,
      head_sha: null,
      pushed: false,
      summary: "",
    },
    expect: 409,
  }),
  signIn: () => ({ body: { provider: "github", callbackURL: "/" }, expect: 200 }),
  signOut: () => ({ body: {}, expect: 200, destructive: true, endsSession: true }),
};

/** The bearer token the owner's side sends to an operation that takes a VM token. */
export function ownerVmToken(fx: MatrixFixture, scheme: "vmCallback" | "vmBootstrap"): string {
  return scheme === "vmBootstrap" ? fx.fresh.bootstrapToken : fx.main.callbackToken;
}
