import { describe, expect, it } from "vitest";
import { hostPath, rewriteCreate, rewriteList, VM_LABEL } from "../src/vm/docker-proxy.ts";

const opts = {
  socket: "/x/docker.sock",
  engine: "/e/docker.sock",
  key: "k-1",
  shared: [{ vm: "/var/lib/berth", host: "/vms/1/data" }],
  rootfs: () => "/engine/overlay2/abc/merged",
  owner: { label: "berth.vm.owner", value: "k" },
  networkContainer: () => "berth-vm-k-1",
};

describe("the VM's Docker socket", () => {
  it("maps paths in the VM to where the engine finds them", () => {
    expect(hostPath("/var/lib/berth/workspace", opts)).toBe("/vms/1/data/workspace");
    expect(hostPath("/var/lib/berth", opts)).toBe("/vms/1/data");
    expect(hostPath("/var/lib/berthx", opts)).toBe("/engine/overlay2/abc/merged/var/lib/berthx");
    expect(hostPath("/usr/local/bin/berth-agent", opts)).toBe(
      "/engine/overlay2/abc/merged/usr/local/bin/berth-agent",
    );
    expect(hostPath("/var/lib/berth/../../../etc", opts)).toBe("/engine/overlay2/abc/merged/etc");
    expect(hostPath("named-volume", opts)).toBe("named-volume");
  });

  it("creates containers with host paths, the VM's labels, network and processes", () => {
    const body = rewriteCreate(
      {
        Labels: { "devcontainer.local_folder": "/var/lib/berth/workspace" },
        HostConfig: {
          Binds: ["/var/lib/berth/run:/run/berth:ro"],
          Mounts: [
            { Type: "bind", Source: "/var/lib/berth/workspace" },
            { Type: "volume", Source: "vol" },
          ],
          NetworkMode: "host",
        },
      },
      opts,
    );
    expect(body.Labels).toEqual({
      "devcontainer.local_folder": "/var/lib/berth/workspace",
      [VM_LABEL]: "k-1",
      "berth.vm.owner": "k",
    });
    expect(body.HostConfig?.Binds).toEqual(["/vms/1/data/run:/run/berth:ro"]);
    expect(body.HostConfig?.Mounts).toEqual([
      { Type: "bind", Source: "/vms/1/data/workspace" },
      { Type: "volume", Source: "vol" },
    ]);
    expect(body.HostConfig?.NetworkMode).toBe("container:berth-vm-k-1");
    expect(body.HostConfig?.PidMode).toBe("container:berth-vm-k-1");
  });

  it("lists only the VM's own containers", () => {
    const filters = (url: string) =>
      JSON.parse(new URL(rewriteList(url, "k-1"), "http://d").searchParams.get("filters") ?? "");
    expect(filters("/v1.41/containers/json?all=1")).toEqual({ label: ["berth.vm=k-1"] });
    const q = encodeURIComponent(JSON.stringify({ label: ["devcontainer.local_folder=/w"] }));
    expect(filters(`/v1.41/containers/json?filters=${q}`)).toEqual({
      label: ["devcontainer.local_folder=/w", "berth.vm=k-1"],
    });
    const old = encodeURIComponent(JSON.stringify({ label: { "a=b": true } }));
    expect(filters(`/containers/json?filters=${old}`)).toEqual({
      label: { "a=b": true, "berth.vm=k-1": true },
    });
  });
});
