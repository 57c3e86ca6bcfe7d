#!/bin/sh
# Stands in for `systemctl restart edgecam` where PID 1 is not systemd (this CI container): the
# restart command deploy-test.sh gives scripts/deploy.sh. Like systemd with the unit it stops the
# running edgecam with SIGTERM (SIGKILL after TimeoutStopSec=10 s), then starts
# PREFIX/current/edgecam run --config PREFIX/current/config.json detached from the SSH session.
# Unlike Type=notify it returns without waiting for readiness: deploy.sh's /readyz wait decides.
# Usage: service-stub.sh restart|stop|logs   (PREFIX from $EDGECAM_PREFIX, as deploy.sh sets it);
# `logs` prints the log of the latest start (what `journalctl --since` shows under systemd).
# State: PREFIX/edgecam.pid, log (stdout and stderr) appended to PREFIX/service.log.
set -eu
prefix=${EDGECAM_PREFIX:?EDGECAM_PREFIX is not set}
pidfile="$prefix/edgecam.pid"

# running PID: the process exists and has not exited (an exited child of a gone SSH session may
# stay a zombie until PID 1 reaps it).
running() {
  state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

stop() {
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -TERM "$pid" 2>/dev/null; then
    waited=0
    while running "$pid" && [ "$waited" -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

start() {
  echo "--- $(date -u +%Y-%m-%dT%H:%M:%SZ) starting release $(basename "$(readlink "$prefix/current")")" >> "$prefix/service.log"
  cd /
  # Without job control a background job is not a process group leader, so setsid execs in place
  # and $! is edgecam's own pid.
  setsid "$prefix/current/edgecam" run --config "$prefix/current/config.json" </dev/null >>"$prefix/service.log" 2>&1 &
  echo $! > "$pidfile.new"
  mv -f "$pidfile.new" "$pidfile"
}

case "${1:?restart or stop}" in
  restart) stop; start ;;
  stop) stop ;;
  logs) awk '/^--- .* starting release / { out = "" } { out = out $0 "\n" } END { printf "%s", out }' "$prefix/service.log" ;;
  *) echo "service-stub.sh: unknown command $1" >&2; exit 2 ;;
esac
