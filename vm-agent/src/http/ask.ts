/**
 * Caddy's on-demand TLS `ask` check: Caddy asks before obtaining a certificate for a name it was
 * never configured with, so an attacker pointing random names at the VM cannot make it burn the
 * CA's rate limits (50 certificates per registered domain a week, shared by every workspace). We
 * approve this workspace's host, and a `<port>.<host>` only while something listens on that port,
 * and at most `maxPortNames` distinct port names over the agent's life.
 */
import { listeningPorts as readListeningPorts } from "./listening-ports.ts";

/** Distinct `<port>.<host>` certificates one workspace may ask for. */
export const maxPortCertNames = 20;

/** The port of `<port>.<hostname>` (canonical decimal), 0 for `<hostname>` itself, else null. */
export function certDomainPort(domain: string | null, hostname: string): number | null {
  if (!domain) return null;
  const d = domain.toLowerCase().replace(/\.$/, "");
  const host = hostname.toLowerCase();
  if (d === host) return 0;
  if (!d.endsWith(`.${host}`)) return null;
  const label = d.slice(0, d.length - host.length - 1);
  // Canonical decimal only ("080" would be a second name for the same port).
  if (!/^[1-9][0-9]{0,4}$/.test(label)) return null;
  const port = Number(label);
  return port <= 65535 ? port : null;
}

/** Whether `domain` is `<hostname>` or `<port>.<hostname>` at all (the names Caddy serves). */
export function isAllowedCertDomain(domain: string | null, hostname: string): boolean {
  return certDomainPort(domain, hostname) !== null;
}

export interface CertAskOptions {
  hostname: string;
  listeningPorts?: () => Promise<Set<number>>;
  maxPortNames?: number;
}

/** The ask decision, remembering the port names it approved. */
export function createCertAsk(opts: CertAskOptions): (domain: string | null) => Promise<boolean> {
  const listening = opts.listeningPorts ?? (() => readListeningPorts());
  const max = opts.maxPortNames ?? maxPortCertNames;
  const approved = new Set<number>();
  return async (domain) => {
    const port = certDomainPort(domain, opts.hostname);
    if (port === null) return false;
    if (port === 0) return true;
    if (!approved.has(port) && approved.size >= max) return false;
    if (!(await listening()).has(port)) return false;
    approved.add(port);
    return true;
  };
}
