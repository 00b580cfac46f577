#!/bin/sh
# The Berth VM image recipe: installs once what every workspace VM's cloud-init used to install on
# each boot (cloud-init/src/render.ts: packages and runcmd), so a VM booted from the image only
# writes its config and starts its units. Runs as root on Debian bookworm or Ubuntu 24.04: on a
# Hetzner build server (`pnpm build:image`) and in the local VM image's `docker build`.
#
#   BERTH_DOCKER=engine (default) installs Docker's engine and CLI (docker.io);
#   BERTH_DOCKER=cli installs only the CLI, for local VMs whose devcontainers run on the
#   project's own engine through a mounted socket.
#
# Package sources: the distribution's apt repositories and the npm registry, nothing else.
set -eu

NODE_VERSION=22.23.3
NPM_VERSION=10.9.9
DEVCONTAINER_CLI=@devcontainers/cli@0.89.0
BERTH_DOCKER=${BERTH_DOCKER:-engine}
export DEBIAN_FRONTEND=noninteractive

apt-get update -q
# The agent's runtime needs: curl + xz + sha256sum (fetch-agent.sh), git (clone), logger
# (bsdutils); caddy is the VM's TLS edge; cloud-init and systemd boot it (stock cloud images have
# both; a debootstrap rootfs does not); locales for cloud-init's locale module.
apt-get install -y -q --no-install-recommends \
  ca-certificates curl git xz-utils bsdutils procps iproute2 locales \
  systemd systemd-sysv dbus cloud-init caddy

# cloud-init's locale module falls back to LANG=en_US.UTF-8: generate it. And set the system's
# LANG (C.UTF-8, as on Ubuntu's cloud images): with none set, the module runs locale-gen and
# update-locale at every first boot (3-4 s of a local boot went there).
sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' /etc/locale.gen
locale-gen >/dev/null
update-locale LANG=C.UTF-8

case "$BERTH_DOCKER" in
  engine) apt-get install -y -q --no-install-recommends docker.io ;;
  cli)
    # Debian ships the CLI inside docker.io: take only /usr/bin/docker from the package.
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download -q docker.io && dpkg-deb -x docker.io_*.deb root)
    install -m 0755 "$tmp/root/usr/bin/docker" /usr/local/bin/docker
    rm -rf "$tmp"
    ;;
  *) echo "BERTH_DOCKER must be engine or cli, not $BERTH_DOCKER" >&2; exit 1 ;;
esac

# Node 22 (the devcontainer CLI needs >= 20; Ubuntu 24.04's apt has 18): Node's official binary as
# the npm registry's node-linux-<arch> package, and npm as its registry tarball.
case "$(uname -m)" in
  x86_64) node_arch=x64 ;;
  aarch64) node_arch=arm64 ;;
  *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
registry=https://registry.npmjs.org
curl -fsSL "$registry/node-linux-$node_arch/-/node-linux-$node_arch-$NODE_VERSION.tgz" \
  | tar -xz -C /usr/local --strip-components=1 package/bin/node
mkdir -p /usr/local/lib/node_modules/npm
curl -fsSL "$registry/npm/-/npm-$NPM_VERSION.tgz" \
  | tar -xz -C /usr/local/lib/node_modules/npm --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
npm install --global --no-audit --no-fund --omit=dev "$DEVCONTAINER_CLI"

# Reports a VM whose agent cannot start (boot_failed) instead of letting it time out.
install -D -m 0755 "$(dirname "$0")/boot-watch.sh" /usr/local/lib/berth/boot-watch
cat > /etc/systemd/system/berth-boot-watch.service <<'UNIT'
[Unit]
Description=Reports a Berth VM that cannot start its agent
After=cloud-final.service
ConditionPathExists=/etc/berth/agent.json

[Service]
Type=simple
ExecStart=/usr/local/lib/berth/boot-watch

[Install]
WantedBy=cloud-init.target
UNIT
systemctl enable berth-boot-watch.service

# Nothing of the build stays: no apt lists, caches or npm cache; no machine identity (systemd
# makes a new machine-id at first boot, cloud-init treats the VM as a new instance).
npm cache clean --force
apt-get clean
rm -rf /var/lib/apt/lists/* /root/.npm /tmp/* /var/lib/cloud/instances /var/lib/cloud/instance
: > /etc/machine-id
node --version
devcontainer --version
docker --version
caddy version
cloud-init --version
