#!/bin/sh
# berth-boot-watch: tells the control plane at once when a VM cannot start its agent, instead of
# leaving the workspace "booting" until the 20-minute deadline. It watches berth-agent.service
# after cloud-init's last stage: once the agent has run for a while, the agent is in charge and
# this exits. If the unit is missing (cloud-init failed before writing it) or keeps failing
# (ExecStartPre refused the binary, the binary crashes), it redeems the one-time bootstrap token
# the agent never used and reports `boot_failed` with the reason through the shutdown callback.
# The token response's secrets are never written anywhere.
set -u
config=/etc/berth/agent.json
unit=berth-agent.service
[ -r "$config" ] || exit 0

field() {
  node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.stdout.write(String(c[process.argv[2]] ?? ""))' "$config" "$1"
}

report() {
  detail=$1
  echo "berth-boot-watch: boot failed: $detail" >&2
  base=$(field control_plane_url | sed 's:/*$::')
  id=$(field workspace_id)
  token=$(field bootstrap_token)
  auth=$(mktemp)
  trap 'rm -f "$auth"' EXIT
  chmod 600 "$auth"
  # The token goes in a header file, never on a command line.
  printf 'Authorization: Bearer %s\n' "$token" > "$auth"
  answer=$(curl -fsS --max-time 30 --retry 5 --retry-all-errors -X POST -H @"$auth" \
    -H 'content-type: application/json' --data '{}' "$base/api/vm/workspaces/$id/bootstrap") || {
    echo "berth-boot-watch: the bootstrap token was refused (the agent may have used it): not reporting" >&2
    return 0
  }
  callback=$(printf '%s' "$answer" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).callback_token ?? ""))')
  printf 'Authorization: Bearer %s\n' "$callback" > "$auth"
  body=$(DETAIL="$detail" node -e 'process.stdout.write(JSON.stringify({ reason: "boot_failed", detail: process.env.DETAIL.slice(-1900) }))')
  curl -fsS --max-time 30 --retry 5 --retry-all-errors -X POST -H @"$auth" \
    -H 'content-type: application/json' --data "$body" "$base/api/vm/workspaces/$id/shutdown" >/dev/null
}

# The unit's own last words (ExecStartPre's or the agent's stderr), else systemd's about it.
why() {
  said=$(journalctl _SYSTEMD_UNIT="$unit" -n 3 -o cat --no-pager 2>/dev/null | grep -v '^$' | tr '\n' ' ')
  [ -n "$said" ] || said=$(journalctl -u "$unit" -n 4 -o cat --no-pager 2>/dev/null | tr '\n' ' ')
  printf '%s' "$said"
}

up_since=
for _ in $(seq 1 600); do
  if ! systemctl cat "$unit" >/dev/null 2>&1; then
    # cloud-init is done and wrote no agent unit: it failed before it got there.
    if cloud-init status 2>/dev/null | grep -q 'status: \(done\|error\)'; then
      report "cloud-init did not install $unit: $(cloud-init status --long 2>&1 | tail -n 3 | tr '\n' ' ')"
      exit 0
    fi
  else
    restarts=$(systemctl show -p NRestarts --value "$unit" 2>/dev/null || echo 0)
    if [ "$(systemctl is-active "$unit")" = active ]; then
      up_since=${up_since:-$(date +%s)}
      # Running for 20 s on end: the agent reports from here on.
      [ $(( $(date +%s) - up_since )) -ge 20 ] && exit 0
    else
      up_since=
    fi
    if [ "${restarts:-0}" -ge 3 ]; then
      report "$unit failed to start $restarts times: $(why)"
      exit 0
    fi
  fi
  sleep 1
done
