import { createClient } from "./client.ts";

export const unauthorizedEvent = "berth:unauthorized";

/** The dashboard's one client: same origin, session cookie; a 401 anywhere signs the page out. */
export const api = createClient({
  onUnauthorized: () => window.dispatchEvent(new Event(unauthorizedEvent)),
});
