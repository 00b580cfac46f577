/** The stand-in's fixed test users. */
export interface GithubUser {
  id: number;
  login: string;
  name: string;
  email: string;
  /** When false, /user shows email null and only /user/emails reveals it. */
  publicEmail: boolean;
  createdAt: string;
}

export const USERS: GithubUser[] = [
  {
    id: 1001,
    login: "alice",
    name: "Alice Liddell",
    email: "alice@example.test",
    publicEmail: true,
    createdAt: "2015-03-14T09:26:53Z",
  },
  {
    id: 1002,
    login: "bob",
    name: "Bob Marley",
    email: "bob@example.test",
    publicEmail: true,
    createdAt: "2017-06-01T12:00:00Z",
  },
  {
    id: 1003,
    login: "carol",
    name: "Carol Shaw",
    email: "carol@example.test",
    publicEmail: false,
    createdAt: "2019-11-23T08:30:00Z",
  },
];

const extraUsers = new Map<string, GithubUser>();

/**
 * The fixed users, or a user minted on first sight for any other valid GitHub login, so tests can
 * always sign in as someone the control plane has never seen. Ids are stable per login.
 */
export function findUser(login: string): GithubUser | undefined {
  const name = login.toLowerCase();
  const fixed = USERS.find((u) => u.login === name);
  if (fixed) return fixed;
  if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$/.test(name)) return undefined;
  let user = extraUsers.get(name);
  if (!user) {
    let hash = 0;
    for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
    user = {
      id: 100_000 + (hash % 900_000_000),
      login: name,
      name,
      email: `${name}@example.test`,
      publicEmail: true,
      createdAt: "2024-01-01T00:00:00Z",
    };
    extraUsers.set(name, user);
  }
  return user;
}

/** The GET /user body, shaped like api.github.com's. */
export function userObject(
  u: GithubUser,
  origin: string,
  override?: { email?: string; verified: boolean },
): Record<string, unknown> {
  const api = `${origin}/users/${u.login}`;
  // GitHub only lets a verified address be the public one.
  const email = override
    ? override.verified && u.publicEmail
      ? (override.email ?? u.email)
      : null
    : u.email;
  return {
    login: u.login,
    id: u.id,
    node_id: Buffer.from(`04:User${u.id}`).toString("base64"),
    avatar_url: `${origin}/avatars/${u.login}.svg`,
    gravatar_id: "",
    url: api,
    html_url: `${origin}/${u.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: "User",
    user_view_type: "public",
    site_admin: false,
    name: u.name,
    company: null,
    blog: "",
    location: null,
    email: u.publicEmail ? email : null,
    hireable: null,
    bio: null,
    twitter_username: null,
    notification_email: u.publicEmail ? email : null,
    public_repos: 3,
    public_gists: 0,
    followers: 1,
    following: 1,
    created_at: u.createdAt,
    updated_at: "2026-01-01T00:00:00Z",
  };
}

export function emailsOf(
  u: GithubUser,
  override?: { email?: string; verified: boolean },
): Array<Record<string, unknown>> {
  return [
    {
      email: override?.email ?? u.email,
      primary: true,
      verified: override?.verified ?? true,
      visibility: u.publicEmail ? "public" : "private",
    },
    {
      email: `${u.id}+${u.login}@users.noreply.github.com`,
      primary: false,
      verified: true,
      visibility: null,
    },
  ];
}

const COLORS = ["#e4572e", "#29335c", "#669bbc"];

export function avatarSvg(u: GithubUser): string {
  const color = COLORS[u.id % COLORS.length];
  const letter = u.login.slice(0, 1).toUpperCase();
  return `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96"><rect width="96" height="96" rx="12" fill="${color}"/><text x="48" y="62" font-family="sans-serif" font-size="44" text-anchor="middle" fill="#fff">${letter}</text></svg>`;
}
