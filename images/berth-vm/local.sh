#!/bin/sh
# What only the local VM image adds to the recipe (install.sh): a container stands in for the
# VM's hardware. Each line is a difference from a Hetzner VM, on purpose.
set -eu

# The seed is a NoCloud directory the simulator mounts (user-data = the exact user_data the
# Hetzner stand-in received); the network is the simulator's to plumb, not cloud-init's.
cat > /etc/cloud/cloud.cfg.d/90-berth-local.cfg <<'CFG'
datasource_list: [ NoCloud ]
network: { config: disabled }
CFG

# Docker's engine is the project's, reached through the socket mounted at /var/run/docker.sock:
# docker.service (which the agent's unit wants and runcmd enables) only checks that it answers.
cat > /etc/systemd/system/docker.service <<'UNIT'
[Unit]
Description=Docker engine (the host project's, through the mounted socket)

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/bin/docker version --format "engine {{.Server.Version}}"

[Install]
WantedBy=multi-user.target
UNIT

# A local VM reaches only this machine's loopback, never a registry: npm fails at once instead of
# retrying for minutes when user_data still installs packages (the stock recipe's runcmd).
npm config set --location=global offline true

# No consoles, no hardware, no clock in a container.
systemctl mask getty@tty1.service serial-getty@.service console-getty.service \
  systemd-udevd.service systemd-udev-trigger.service systemd-timesyncd.service \
  systemd-networkd-wait-online.service >/dev/null 2>&1 || true
