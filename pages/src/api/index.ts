export { type BerthClient, createClient } from "./client.ts";
export { ApiError, describeError, errorFromResponse, NetworkError } from "./errors.ts";
export type * from "./types.ts";
