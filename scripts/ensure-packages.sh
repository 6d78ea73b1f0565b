#!/usr/bin/env bash
# ensure-packages.sh PURPOSE PACKAGE... - install the Debian packages that are missing, or fail
# with one line saying what to install. Runs apt-get update at most once.
set -euo pipefail
purpose=$1; shift
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "lsmwatch: missing for $purpose: ${missing[*]} — install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "lsmwatch: installing for $purpose: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Tools only: no package installed here may start a daemon (prometheus ships an init script that
# its postinst would run on a machine without systemd). policy-rc.d is Debian's switch for that.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# lsmwatch scripts/ensure-packages.sh: no service starts during this install\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2; then
  echo "lsmwatch: could not install ${missing[*]} with apt-get (see above); install them and run make again" >&2
  exit 1
fi
