/**
 * The build server's user_data: cloud-init writes the recipe's install.sh, runs it, and powers the
 * server off only when it succeeded. A failed install leaves the server running, so the build sees
 * no power-off, times out with the log's location, and deletes the server.
 */
export const installDir = "/usr/local/lib/berth-image";
export const installLog = "/var/log/berth-image-install.log";
/** Hetzner rejects user_data above 32 KiB. */
export const userDataLimitBytes = 32768;

export function buildUserData(installScript: string): string {
  const b64 = Buffer.from(installScript, "utf8").toString("base64");
  // The whole chain is one shell line: `poweroff` runs only after install.sh exits 0 and
  // cloud-init forgot this instance (a server from the snapshot is a new instance anyway).
  const chain = `BERTH_DOCKER=engine sh ${installDir}/install.sh >${installLog} 2>&1 && cloud-init clean --logs && poweroff`;
  const out = `#cloud-config
write_files:
  - path: ${installDir}/install.sh
    owner: root:root
    permissions: "0755"
    encoding: b64
    content: ${b64}
runcmd:
  - [sh, -c, ${JSON.stringify(chain)}]
`;
  const size = Buffer.byteLength(out);
  if (size > userDataLimitBytes)
    throw new Error(
      `the build's user_data is ${size} bytes, over Hetzner's ${userDataLimitBytes}-byte limit`,
    );
  return out;
}
