#!/usr/bin/env bash
# Makes a fresh machine (Node 20 + npm) ready: system packages, pnpm, Node 22 and the workspace's
# dependencies. Idempotent and quick when nothing is missing. Usage: bootstrap.sh [apt package ...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/scripts/system-packages.sh" "$@"
pnpm_version="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
export npm_config_update_notifier=false
if [ ! -x node_modules/.bin/node ] || [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  npx -y "pnpm@${pnpm_version}" install --frozen-lockfile >&2
fi
