import type { GithubAppState, PullRecord, RepoRecord } from "./app-state.ts";
import type { GithubUser } from "./users.ts";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;background:#f6f8fa;color:#1f2328;margin:0}
main{max-width:420px;margin:64px auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:24px 28px}
h1{font-size:20px;margin:0 0 4px}p{color:#59636e;font-size:14px;margin:0 0 20px}
form{margin:0}button{display:flex;align-items:center;gap:12px;width:100%;margin:8px 0;padding:10px 14px;
font-size:15px;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa;cursor:pointer;text-align:left}
button:hover{background:#eef1f4;border-color:#8c959f}img{width:32px;height:32px;border-radius:6px}
small{color:#59636e;display:block}code{background:#eff1f3;padding:1px 4px;border-radius:4px}.err{color:#cf222e}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

/** The authorize page: one button per test user, each POSTing to /login/oauth/authorize/approve. */
export function authorizePage(params: URLSearchParams, users: GithubUser[]): string {
  const hidden = ["client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"]
    .filter((k) => params.get(k) !== null)
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(params.get(k) ?? "")}">`)
    .join("");
  const buttons = users
    .map(
      (u) =>
        `<button type="submit" name="login" value="${escapeHtml(u.login)}" data-login="${escapeHtml(u.login)}">` +
        `<img src="/avatars/${escapeHtml(u.login)}.svg" alt=""><span>${escapeHtml(u.name)}` +
        `<small>@${escapeHtml(u.login)} · ${escapeHtml(u.email)}</small></span></button>`,
    )
    .join("");
  const scope = params.get("scope");
  return layout(
    "Sign in to Berth (local GitHub stand-in)",
    `<h1>Sign in to Berth (local GitHub stand-in)</h1>
<p>Choose a test user. Application <code>${escapeHtml(params.get("client_id") ?? "")}</code>${
      scope ? ` asks for <code>${escapeHtml(scope)}</code>` : ""
    }.</p>
<form method="post" action="/login/oauth/authorize/approve">${hidden}${buttons}</form>`,
  );
}

export function errorPage(message: string): string {
  return layout(
    "Error - local GitHub stand-in",
    `<h1 class="err">Something went wrong</h1><p>${escapeHtml(message)}</p>`,
  );
}

/** https://github.com/apps/<slug> (and its install page): what the App is and where it is installed. */
export function appPage(app: GithubAppState): string {
  const rows = app
    .allInstallations()
    .map(
      (i) =>
        `<li><code>${escapeHtml(i.account)}</code>: ${
          i.selection === "all" ? "all repositories" : `${i.repoIds.size} selected`
        }${i.suspendedAt ? " (suspended)" : ""}</li>`,
    )
    .join("");
  return layout(
    `${app.name} (local GitHub stand-in)`,
    `<h1>${escapeHtml(app.name)}</h1>
<p>GitHub App <code>${escapeHtml(app.slug)}</code> (id ${app.id}) of the local GitHub stand-in.
Installations are changed with <code>PUT /__berth/installations/&lt;account&gt;</code>.</p>
<ul>${rows || "<li>Not installed anywhere.</li>"}</ul>`,
  );
}

export function pullPage(repo: RepoRecord, pr: PullRecord): string {
  return layout(
    `${pr.title} · Pull Request #${pr.number} · ${repo.owner}/${repo.name}`,
    `<h1>${escapeHtml(pr.title)} <small>#${pr.number}</small></h1>
<p><code>${escapeHtml(repo.owner)}/${escapeHtml(repo.name)}</code>: wants to merge
<code>${escapeHtml(pr.head)}</code> into <code>${escapeHtml(pr.base)}</code> (${pr.state}).</p>
<p>${escapeHtml(pr.body ?? "")}</p>`,
  );
}
