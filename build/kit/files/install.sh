#!/bin/sh
# Installs the Posture Stage node agent from this folder on a Linux host without dpkg (RHEL, …):
# the same paths, user and service as the .deb. Safe to run again and to run for an upgrade:
# the node store (states, history, tokens, keys) and /etc/default/posture-stage-agent are kept.
#
#   sudo ./install.sh              install or upgrade, then (re)start the service
#   sudo ./install.sh --no-start   install or upgrade only
#   sudo ./install.sh --root DIR   install under DIR as if it were / (image building, tests; no systemctl)
set -eu

@SETUP@

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit "$1"
}

PS_ROOT=
start=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || usage 1; PS_ROOT=${2%/}; shift 2 ;;
    --no-start) start=no; shift ;;
    -h|--help) usage 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage 1 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "install.sh: run it as root (sudo ./install.sh)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
for f in posture-stage posture-stage-agent.service posture-stage-agent.default INSTALL.txt LICENSE.node posture-stage.1.gz; do
  [ -f "$here/$f" ] || { echo "install.sh: $f is missing next to install.sh; unpack the whole .tar.gz" >&2; exit 1; }
done

# The executable: replaced by rename, so a running agent keeps its old file until restarted.
install -d -m 0755 "$PS_ROOT/usr/bin" "$PS_ROOT/etc/systemd/system" "$PS_ROOT/etc/default" "$PS_ROOT/usr/share/doc/posture-stage"
install -m 0755 "$here/posture-stage" "$PS_ROOT/usr/bin/.posture-stage.new"
mv -f "$PS_ROOT/usr/bin/.posture-stage.new" "$PS_ROOT/usr/bin/posture-stage"
install -m 0644 "$here/posture-stage-agent.service" "$PS_ROOT/etc/systemd/system/posture-stage-agent.service"
install -d -m 0755 "$PS_ROOT/usr/share/man/man1"
install -m 0644 "$here/INSTALL.txt" "$PS_ROOT/usr/share/doc/posture-stage/NODE-KIT.txt"
install -m 0644 "$here/LICENSE.node" "$PS_ROOT/usr/share/doc/posture-stage/LICENSE.node"
install -m 0644 "$here/posture-stage.1.gz" "$PS_ROOT/usr/share/man/man1/posture-stage.1.gz"
# The admin's settings are never overwritten; the shipped defaults are left beside them for comparison.
if [ -f "$PS_ROOT$PS_DEFAULTS" ]; then
  install -m 0644 "$here/posture-stage-agent.default" "$PS_ROOT$PS_DEFAULTS.dist"
else
  install -m 0644 "$here/posture-stage-agent.default" "$PS_ROOT$PS_DEFAULTS"
fi

ps_read_defaults
ps_ensure_user
ps_first_init

version=$("$PS_ROOT/usr/bin/posture-stage" --version)
if [ -z "$PS_ROOT" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable posture-stage-agent.service >/dev/null 2>&1
  if [ "$start" = yes ]; then
    systemctl restart posture-stage-agent.service
    echo "posture-stage $version installed; posture-stage-agent.service is running on $POSTURE_STAGE_LISTEN."
  else
    echo "posture-stage $version installed; start it with: systemctl start posture-stage-agent"
  fi
else
  echo "posture-stage $version installed under ${PS_ROOT:-/} (no systemd here: start the agent yourself)."
fi
