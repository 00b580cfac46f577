/**
 * Short-lived ES256 JWT the dashboard fetches to open a terminal: aud = workspace id, sub = user id.
 * The agent verifies it with the public key from its config and swaps it for an HttpOnly cookie.
 */
export const terminalTokenIssuer = "berth";
export const terminalTokenAlgorithm = "ES256";
export const terminalTokenTtlSeconds = 60;
/** Query parameter that carries the token on the first request to the workspace host. */
export const terminalTokenQueryParam = "token";
/** The terminal host's cookie: host-only, so the browser never sends it to a forwarded port. */
export const terminalCookieName = "berth_terminal";
/**
 * A forwarded port's own cookie (`<port>.<hostname>`), host-only and valid for that one port host,
 * obtained by the same token exchange there. Caddy strips both names before proxying to the app.
 */
export const portCookieName = "berth_port";
/** Every cookie name of ours: never forwarded to a user's app on a forwarded port. */
export const berthCookieNames = [terminalCookieName, portCookieName] as const;

export interface TerminalTokenClaims {
  iss: typeof terminalTokenIssuer;
  aud: string;
  sub: string;
  iat: number;
  exp: number;
  /** Unique per token: the agent accepts each token once and refuses a replay until it expires. */
  jti: string;
}
