# ---- shared by the .deb's postinst and the .tar.gz's install.sh (inserted at build time) ----
# PS_ROOT: "" for this system, or a directory that stands for / (image building, tests).
PS_USER=posture-stage
PS_DEFAULTS=/etc/default/posture-stage-agent

# Reads POSTURE_STAGE_STORE and POSTURE_STAGE_LISTEN from the defaults file.
ps_read_defaults() {
  POSTURE_STAGE_STORE=/var/lib/posture-stage-agent
  POSTURE_STAGE_LISTEN=0.0.0.0:8443
  if [ -f "$PS_ROOT$PS_DEFAULTS" ]; then
    # shellcheck disable=SC1090
    . "$PS_ROOT$PS_DEFAULTS"
  fi
  case "$POSTURE_STAGE_STORE" in
    /*) ;;
    *) echo "posture-stage: POSTURE_STAGE_STORE in $PS_DEFAULTS must be an absolute path" >&2; exit 1 ;;
  esac
}

# "uid:gid" of the service user, or nothing when there is none yet.
ps_user_ids() {
  if [ -n "$PS_ROOT" ]; then
    awk -F: -v u="$PS_USER" '$1 == u { print $3 ":" $4 }' "$PS_ROOT/etc/passwd" 2>/dev/null || true
  else
    getent passwd "$PS_USER" | awk -F: '{ print $3 ":" $4 }'
  fi
}

# Creates the system user once; an existing one (and its uid) is kept.
ps_ensure_user() {
  [ -n "$(ps_user_ids)" ] && return 0
  if [ -n "$PS_ROOT" ]; then set -- --prefix "$PS_ROOT"; else set --; fi
  useradd "$@" --system --user-group --no-create-home --home-dir "$POSTURE_STAGE_STORE" \
    --shell /usr/sbin/nologin --comment "Posture Stage node agent" "$PS_USER"
}

# `agent init` exactly once: a store that exists (upgrade, reinstall) is never touched.
ps_first_init() {
  store="$PS_ROOT$POSTURE_STAGE_STORE"
  if [ -f "$store/agent.json" ]; then
    echo "posture-stage: keeping the node store $POSTURE_STAGE_STORE (states, history, tokens and keys unchanged)."
    return 0
  fi
  ids=$(ps_user_ids)
  uid=${ids%%:*}
  gid=${ids#*:}
  install -d -m 0750 -o "$uid" -g "$gid" "$store"
  echo "posture-stage: creating the node store $POSTURE_STAGE_STORE"
  (umask 027 && setpriv --reuid="$uid" --regid="$gid" --clear-groups -- \
    "$PS_ROOT/usr/bin/posture-stage" agent init --store "$store")
  echo "posture-stage: give the workstation the fingerprint above and the token from the token file"
  echo "  (read it as root: cat $POSTURE_STAGE_STORE/token); then, in the app, Targets > Add target:"
  echo "  https://$(hostname -f 2>/dev/null || hostname):${POSTURE_STAGE_LISTEN##*:}  with that fingerprint and token."
}
# ---- end of shared part ----
