/**
 * Short-lived ES256 JWT the dashboard fetches to open a terminal: aud = workspace id, sub = user id.
 * The agent verifies it with the public key from its config and swaps it for an HttpOnly cookie.
 */
export const terminalTokenIssuer = "berth";
export const terminalTokenAlgorithm = "ES256";
export const terminalTokenTtlSeconds = 60;
/** Query parameter that carries the token on the first request to the workspace host. */
export const terminalTokenQueryParam = "token";
export const terminalCookieName = "berth_terminal";

export interface TerminalTokenClaims {
  iss: typeof terminalTokenIssuer;
  aud: string;
  sub: string;
  iat: number;
  exp: number;
}
