/** Forwarded-port constants, without zod: the VM agent imports these through the agent entry. */

/** A forwarded port's visibility: private to the owner's login, or public to anyone with the URL. */
export const portVisibilities = ["private", "public"] as const;
export type PortVisibility = (typeof portVisibilities)[number];

/** Most ports one heartbeat reports. */
export const maxReportedPorts = 100;
