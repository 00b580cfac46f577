/**
 * Caddy's on-demand TLS `ask` check: Caddy asks before obtaining a certificate for a name it was
 * never configured with, so an attacker pointing random names at the VM cannot make it burn the
 * CA's rate limits. We approve exactly this workspace's host and its forwarded-port hosts.
 */

/** Whether Caddy may get a certificate for `domain`: `<hostname>` or `<port>.<hostname>`. */
export function isAllowedCertDomain(domain: string | null, hostname: string): boolean {
  if (!domain) return false;
  const d = domain.toLowerCase().replace(/\.$/, "");
  const host = hostname.toLowerCase();
  if (d === host) return true;
  if (!d.endsWith(`.${host}`)) return false;
  const label = d.slice(0, d.length - host.length - 1);
  // Canonical decimal only ("080" would be a second name for the same port).
  if (!/^[1-9][0-9]{0,4}$/.test(label)) return false;
  return Number(label) <= 65535;
}
