/** The GitHub App provider: the interface (types.ts), its HTTP client, and the App's key and JWT. */

export { createGitHubApp, type GitHubAppOptions } from "./client.ts";
export { appJwtLifetimeSeconds, signAppJwt } from "./jwt.ts";
export { AppKeyError, appKeyPkcs8, importAppKey, pkcs1ToPkcs8 } from "./key.ts";
export * from "./types.ts";
