#!/usr/bin/env bash
# Installs the Debian packages the project needs (idempotent: only missing ones are installed).
# Usage: scripts/system-packages.sh [package ...]   (default: everything the test suite uses)
set -euo pipefail
wanted=("$@")
if [ ${#wanted[@]} -eq 0 ]; then
  # python3, iptables and nsenter (util-linux): the systemd VMs' network helper (local-cloud/src/vm).
  wanted=(caddy chromium cloud-init websocketd git docker.io debootstrap hcloud-cli python3 iptables util-linux)
fi
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
echo "Installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq >&2
$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# Debian's caddy package starts a system service where systemd runs; Berth starts its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet caddy 2>/dev/null; then
  $sudo_cmd systemctl disable --now caddy >&2 || true
fi
