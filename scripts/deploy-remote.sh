#!/bin/sh
# The device side of scripts/deploy.sh: deploy.sh sends this file over SSH for each step
# (`ssh HOST sh -s -- STEP PREFIX ARGS... < deploy-remote.sh`), so nothing has to be installed on
# the device beyond sh, tar, gzip, curl and GNU coreutils (`mv -T`, `sha256sum -c --strict`), as
# Debian and Raspberry Pi OS have them. POSIX sh (dash).
#
# Layout under PREFIX: releases/NAME/ (one directory per deploy, never changed once complete) and
# `current`, a relative symlink to releases/NAME that is only ever replaced atomically (a new
# symlink renamed over it), so a power cut leaves either the old or the new release current.
#
# Steps:
#   check PREFIX                      print `arch`, `current` and `sudo` lines; refuse what cannot work
#   receive PREFIX NAME               unpack a gzipped tar from stdin into releases/NAME, verify SHA256SUMS
#   switch PREFIX NAME                point `current` at releases/NAME (atomically, durably)
#   unlink PREFIX                     remove `current` (a first deploy that never became ready)
#   now PREFIX                        print the device's clock (Unix seconds)
#   restart PREFIX [COMMAND]          run COMMAND (default: the unit from the release, systemctl restart)
#   wait-ready PREFIX URL SINCE SECS  wait for URL/readyz 200 from a process started at or after SINCE
#   logs PREFIX SINCE [COMMAND]       print the service's recent log (default: journalctl)
#   discard PREFIX NAME               delete releases/NAME (a release that was rolled back)
#   prune PREFIX KEEP                 keep the newest KEEP releases (and always the current one)
set -eu

step=${1:?step}
prefix=${2:?prefix}
shift 2
releases="$prefix/releases"

fail() { echo "$*" >&2; exit 1; }

# Files under PREFIX are written as root when the login user may not (sudo without a password).
priv=""
writable_dir=$prefix
while [ ! -e "$writable_dir" ]; do writable_dir=$(dirname "$writable_dir"); done
if [ ! -w "$writable_dir" ] && [ "$(id -u)" -ne 0 ]; then priv="sudo -n"; fi
as_owner() { $priv "$@"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

current_release() {
  [ -L "$prefix/current" ] || return 0
  basename "$(readlink "$prefix/current")"
}

case "$step" in
  check)
    echo "arch $(uname -m)"
    for tool in tar gzip sha256sum curl readlink mv; do
      command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (needed by deploy; on Debian: apt install $tool)"
    done
    if [ -e "$prefix/current" ] && [ ! -L "$prefix/current" ]; then
      fail "$prefix/current is a directory, not a release symlink; move it to $releases/manual and run: ln -s releases/manual $prefix/current"
    fi
    if [ -n "$priv" ]; then
      sudo -n true 2>/dev/null || fail "$writable_dir is not writable by $(id -un) and sudo asks for a password (allow it with NOPASSWD, or deploy as root)"
      echo "sudo yes"
    fi
    echo "current $(current_release)"
    ;;

  receive)
    name=${1:?name}
    [ ! -e "$releases/$name" ] || fail "$releases/$name exists already (give another --release name)"
    partial="$releases/.$name.partial"
    as_owner mkdir -p "$releases"
    as_owner rm -rf "$partial"
    as_owner mkdir -m 0755 "$partial"
    gzip -dc | as_owner tar -C "$partial" --no-same-owner -xf - || { as_owner rm -rf "$partial"; fail "unpacking the upload failed"; }
    (cd "$partial" && sha256sum -c --quiet --strict SHA256SUMS >&2) || { as_owner rm -rf "$partial"; fail "the uploaded files do not match their SHA256SUMS"; }
    # Durable before it is named: a release that exists under its name is always whole.
    sync
    as_owner mv "$partial" "$releases/$name"
    sync
    ;;

  switch)
    name=${1:?name}
    [ -x "$releases/$name/edgecam" ] || fail "$releases/$name/edgecam is missing"
    as_owner ln -sfn "releases/$name" "$prefix/.current.new"
    as_owner mv -T "$prefix/.current.new" "$prefix/current"
    sync
    ;;

  unlink)
    as_owner rm -f "$prefix/current"
    sync
    ;;

  now)
    date +%s
    ;;

  restart)
    EDGECAM_PREFIX=$prefix EDGECAM_RELEASE=$(current_release)
    export EDGECAM_PREFIX EDGECAM_RELEASE
    if [ -n "${1:-}" ]; then
      sh -c "$1" || fail "the restart command failed (exit $?): $1"
    else
      [ -d /run/systemd/system ] || fail "systemd is not running on this device; give deploy.sh --restart-command"
      unit="$prefix/current/edgecam.service"
      # The unit comes with the release, so a rollback also brings back the unit it ran with.
      as_root cp "$unit" /etc/systemd/system/.edgecam.service.new
      as_root mv -f /etc/systemd/system/.edgecam.service.new /etc/systemd/system/edgecam.service
      as_root systemctl daemon-reload
      as_root systemctl enable --quiet edgecam.service
      # A failed deploy may have used up the unit's start limit; the rollback must still start.
      as_root systemctl reset-failed edgecam.service 2>/dev/null || true
      # Type=notify: this returns once edgecam sent READY=1, or fails when it did not.
      as_root systemctl restart edgecam.service || fail "systemctl restart edgecam failed"
    fi
    ;;

  wait-ready)
    url=${1:?url} since=${2:?since} timeout=${3:?seconds}
    deadline=$(($(date +%s) + timeout))
    last="nothing answered at $url"
    while :; do
      code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url/readyz" 2>/dev/null) || code=000
      if [ "$code" = 200 ]; then
        # Ready, but is it the process started by this restart and not one left running before it?
        started=$(curl -sf -m 2 "$url/metrics" | awk '$1 == "edgecam_start_time_seconds" { print $2 }')
        if [ -n "$started" ] && awk -v s="$started" -v t="$since" 'BEGIN { exit !(s + 0 >= t + 0) }'; then
          echo "ready"
          exit 0
        fi
        last="$url/readyz answers 200, but from a process started before the restart (start time ${started:-unknown})"
      elif [ "$code" != 000 ]; then
        last="$url/readyz answered $code"
      fi
      [ "$(date +%s)" -lt "$deadline" ] || fail "not ready within ${timeout} s: $last"
      sleep 0.5
    done
    ;;

  logs)
    since=${1:?since}
    if [ -n "${2:-}" ]; then
      EDGECAM_PREFIX=$prefix sh -c "$2" 2>&1 || true
    elif command -v journalctl >/dev/null 2>&1; then
      as_root journalctl -u edgecam.service --since "@$since" -n 20 --no-pager -o cat 2>&1 || true
    fi
    ;;

  discard)
    name=${1:?name}
    [ "$(current_release)" != "$name" ] || fail "refusing to delete the current release $name"
    as_owner rm -rf "${releases:?}/$name"
    ;;

  prune)
    keep=${1:?keep}
    current=$(current_release)
    # Uploads cut off by an interrupted deploy (never named, never current).
    for partial in "$releases"/.*.partial; do
      [ ! -d "$partial" ] || { as_owner rm -rf "$partial"; echo "removed $(basename "$partial") (an interrupted upload)"; }
    done
    # Release names start with a UTC timestamp, so the glob's order is age order (oldest first).
    set -- "$releases"/*
    [ -d "$1" ] || exit 0
    count=$#
    for path in "$@"; do
      [ "$count" -gt "$keep" ] || break
      name=$(basename "$path")
      [ "$name" != "$current" ] || continue
      as_owner rm -rf "$path"
      echo "removed $name"
      count=$((count - 1))
    done
    ;;

  *)
    fail "unknown step $step"
    ;;
esac
