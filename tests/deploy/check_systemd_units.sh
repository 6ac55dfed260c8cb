#!/bin/sh
# CTest deploy.systemd_units: the units in deploy/systemd parse cleanly (systemd-analyze verify
# prints nothing: no unknown key, bad value or missing binary, the ExecStart paths pointed at the
# built binaries) and their sandboxing scores an exposure of at most 2.0 ("OK") in
# `systemd-analyze security --offline`.
# Usage: check_systemd_units.sh <repo root> <node binary> <proxy binary>
set -eu
root=$1 node=$2 proxy=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|/usr/local/bin/node|$node|g" "$root/deploy/systemd/strata-node@.service" >"$tmp/strata-node@6379.service"
sed "s|/usr/local/bin/proxy|$proxy|g" "$root/deploy/systemd/strata-proxy.service" >"$tmp/strata-proxy.service"
status=0
for unit in "$tmp/strata-node@6379.service" "$tmp/strata-proxy.service"; do
  out=$(systemd-analyze verify "$unit" 2>&1) || status=1
  if [ -n "$out" ]; then echo "$out"; status=1; fi
  if ! systemd-analyze security --offline=yes --threshold=20 "$unit" >"$tmp/security.txt" 2>&1; then
    tail -1 "$tmp/security.txt"; status=1
  fi
  echo "$(basename "$unit"): $(tail -1 "$tmp/security.txt" | sed 's/.*exposure level for [^:]*: //')"
done
exit $status
