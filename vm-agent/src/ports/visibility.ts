/**
 * Which forwarded ports the owner made public, as the control plane's last heartbeat reply said.
 * Until the first reply every port is private: the safe default after a restart.
 */
export class PortVisibility {
  private publicPorts = new Set<number>();

  update(ports: readonly number[]): void {
    this.publicPorts = new Set(ports.filter((p) => Number.isInteger(p) && p >= 1 && p <= 65535));
  }

  isPublic(port: number): boolean {
    return this.publicPorts.has(port);
  }

  list(): number[] {
    return [...this.publicPorts].sort((a, b) => a - b);
  }
}
