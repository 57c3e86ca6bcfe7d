#!/usr/bin/env bash
# Deploys EdgeCam to a device over SSH, so that a release that does not come up is undone:
# publishes the NativeAOT binary for the device's architecture, uploads it with libonnxruntime.so.1,
# the model (and card, or a model bundle), the config and the systemd unit into a new release
# directory PREFIX/releases/NAME/, switches PREFIX/current to it atomically, restarts the service,
# waits for the local API's /readyz, and switches back to the previous release (and restarts again)
# when the new one does not become ready. The device side of each step is scripts/deploy-remote.sh.
# Run with --help for the options; README.md "Deploying to a device" has an example.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<'EOF'
usage: scripts/deploy.sh [options] [USER@]HOST

what goes into the release:
  --config FILE          the device's config (required; needs an "http" section for /readyz). It is
                         installed as PREFIX/current/config.json: relative paths in it name release
                         files, e.g. "model": { "path": "model/face.onnx" } for --model face.onnx
  --model FILE           an ONNX model, installed as model/NAME.onnx with its card (FILE's
                         NAME.card.json beside it, or --card) as model/NAME.card.json
  --card FILE            the model card for --model
  --bundle ZIP           a model bundle (edgecam-model bundle): its model, card and bundle.json go
                         into model/ (usually "model/model.onnx")
  --unit FILE            the systemd unit (default: systemd/edgecam.service, pointed at PREFIX)
  --label TEXT           appended to the release name (default: the git commit); names are
                         UTC-TIMESTAMP-LABEL, e.g. 20261201T120000Z-c3619bf

where and how:
  --prefix DIR           install prefix on the device (default /opt/edgecam)
  --port N, --identity FILE, --known-hosts FILE (pins host keys), --ssh-option OPT (ssh -o, repeatable)
  --arch ARCH            x86_64 or aarch64 (default: `uname -m` on the device)
  --artifacts DIR        deploy edgecam and libonnxruntime.so.1 from DIR instead of publishing
  --no-publish           deploy artifacts/edgecam/RID/ as it is (by default it is published again
                         when a file under src/ is newer than it)
  --restart-command CMD  run on the device (sh -c, with EDGECAM_PREFIX and EDGECAM_RELEASE set) to
                         restart the service; default: install the release's unit, `systemctl restart
                         edgecam` (sudo -n when not root)
  --logs-command CMD     run on the device to show the service's log when it failed (default: journalctl)
  --ready-timeout SECS   how long to wait for /readyz 200 (default 60)
  --keep N               releases kept on the device, the current one included (default 3, at least 2)

prints the release's name on stdout when it is deployed and ready.
exit codes: 0 deployed and ready; 1 failed before the switch (the device is unchanged); 2 bad command
line; 3 not ready, rolled back to the previous release, which is ready; 4 not ready and the rollback
failed too (or there was no previous release): the device needs attention.
EOF
}

HOST="" config="" model="" card="" bundle="" unit="$REPO/systemd/edgecam.service" label=""
prefix=/opt/edgecam arch="" artifacts="" publish=1 restart_command="" logs_command=""
ready_timeout=60 keep=3
ssh_options=(-o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=10 -o ServerAliveCountMax=3)

bad_usage() { echo "deploy.sh: $*; see --help" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --config|--model|--card|--bundle|--unit|--label|--prefix|--port|--identity|--known-hosts|--ssh-option|--arch|\
    --artifacts|--restart-command|--logs-command|--ready-timeout|--keep)
      [ $# -ge 2 ] || bad_usage "$1 needs a value"
      case "$1" in
        --config) config=$2 ;; --model) model=$2 ;; --card) card=$2 ;; --bundle) bundle=$2 ;; --unit) unit=$2 ;;
        --label) label=$2 ;; --prefix) prefix=$2 ;; --arch) arch=$2 ;; --artifacts) artifacts=$2 ;;
        --port) ssh_options+=(-p "$2") ;;
        --identity) ssh_options+=(-i "$2" -o IdentitiesOnly=yes) ;;
        --known-hosts) ssh_options+=(-o "UserKnownHostsFile=$2" -o StrictHostKeyChecking=yes) ;;
        --ssh-option) ssh_options+=(-o "$2") ;;
        --restart-command) restart_command=$2 ;; --logs-command) logs_command=$2 ;;
        --ready-timeout) ready_timeout=$2 ;; --keep) keep=$2 ;;
      esac
      shift 2 ;;
    --no-publish) publish=0; shift ;;
    -*) bad_usage "unknown option $1" ;;
    *) [ -z "$HOST" ] || bad_usage "one HOST only (got $HOST and $1)"; HOST=$1; shift ;;
  esac
done
[ -n "$HOST" ] || bad_usage "no HOST given"
[ -n "$config" ] || bad_usage "--config FILE is required"
[ -f "$config" ] || bad_usage "--config $config: no such file"
[ -z "$model" ] || [ -f "$model" ] || bad_usage "--model $model: no such file"
[ -z "$card" ] || [ -f "$card" ] || bad_usage "--card $card: no such file"
[ -z "$bundle" ] || [ -f "$bundle" ] || bad_usage "--bundle $bundle: no such file"
[ -z "$model" ] || [ -z "$bundle" ] || bad_usage "give --model or --bundle, not both"
[ -z "$card" ] || [ -n "$model" ] || bad_usage "--card goes with --model"
[ -f "$unit" ] || bad_usage "--unit $unit: no such file"
[[ "$prefix" =~ ^/[A-Za-z0-9/._-]*$ ]] || bad_usage "--prefix $prefix: expected an absolute path of letters, digits and / . _ -"
[[ "$ready_timeout" =~ ^[1-9][0-9]*$ ]] || bad_usage "--ready-timeout $ready_timeout: expected whole seconds >= 1"
[[ "$keep" =~ ^[0-9]+$ ]] && [ "$keep" -ge 2 ] || bad_usage "--keep $keep: expected a number >= 2 (the current release and one to roll back to)"
[ -z "$artifacts" ] || [ -d "$artifacts" ] || bad_usage "--artifacts $artifacts: no such directory"
[ -z "$label" ] || [[ "$label" =~ ^[A-Za-z0-9._+-]+$ ]] || bad_usage "--label $label: expected letters, digits and . _ + -"
prefix=${prefix%/}

started_at=$SECONDS
work=$(mktemp -d /tmp/edgecam-deploy.XXXXXX)
ssh_options+=(-o ControlMaster=auto -o "ControlPath=$work/ssh" -o ControlPersist=60)
cleanup() { ssh -o "ControlPath=$work/ssh" -O exit "$HOST" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

current_step=prepare
step() { current_step=$1; shift; log "$HOST: $current_step: $*"; }
# fail [EXIT-CODE] MESSAGE: one line naming the step and the host.
fail() {
  local code=1; [ $# -lt 2 ] || { code=$1; shift; }
  log "error: [$current_step] $HOST: $*"; exit "$code"
}

# remote STEP ARGS...: runs a step of deploy-remote.sh on the device; its stderr is kept in
# $work/remote.err for the error message.
remote_script=$(cat "$REPO/scripts/deploy-remote.sh")
quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
remote() {
  local command; command="sh -c $(quote "$remote_script") deploy-remote"
  for arg in "$@"; do command+=" $(quote "$arg")"; done
  ssh "${ssh_options[@]}" "$HOST" "$command" 2>"$work/remote.err"
}
remote_error() { grep -v '^\s*$' "$work/remote.err" | tail -n 3 | paste -sd ' ' || true; }

# --- prepare: the release's files that do not depend on the architecture, and the config check
stage="$work/release"
mkdir -p "$stage/model"
step prepare "model, config and unit"
if [ -n "$model" ]; then
  model_name=$(basename "$model")
  cp "$model" "$stage/model/$model_name"
  card=${card:-"${model%.*}.card.json"}
  # Named as the program looks for it: MODEL.card.json beside the model.
  [ ! -f "$card" ] || cp "$card" "$stage/model/${model_name%.*}.card.json"
elif [ -n "$bundle" ]; then
  python3 - "$bundle" "$stage/model" 2>"$work/bundle.err" <<'PY' || fail "$(tail -n 1 "$work/bundle.err")"
import json, sys, zipfile
bundle, into = sys.argv[1], sys.argv[2]
try:
    with zipfile.ZipFile(bundle) as z:
        manifest = json.loads(z.read("bundle.json"))
        for entry in ("bundle.json", manifest.get("model", "model.onnx"), manifest.get("card", "model.card.json")):
            if "/" in entry or entry.startswith("."):
                sys.exit(f"{bundle}: bundle.json names {entry!r}, not a plain file name")
            with open(f"{into}/{entry}", "wb") as f:
                f.write(z.read(entry))
except (OSError, zipfile.BadZipFile, KeyError, ValueError) as e:
    sys.exit(f"{bundle}: not a usable model bundle: {e}")
print(f"{bundle}: {manifest.get('name')} {manifest.get('version')}", file=sys.stderr)
PY
fi
cp "$config" "$stage/config.json"
cp "$REPO/README.md" "$stage/README.md" # the unit's Documentation=

ready_url=$(python3 "$REPO/scripts/deploy-config.py" "$stage/config.json" "$stage" 2>"$work/config.err") \
  || fail "$(sed "s|$stage/config.json|$config|g" "$work/config.err")"
[ -n "$label" ] || label=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo manual)
release="$(date -u +%Y%m%dT%H%M%SZ)-$label"
# The unit runs the current release with the release's own config, so a rollback restores both.
{
  echo "# Installed by scripts/deploy.sh with release $release; runs $prefix/current with its config."
  sed -e "s|/opt/edgecam/|$prefix/|g" -e "s|--config /etc/edgecam/config.json|--config $prefix/current/config.json|" "$unit"
} > "$stage/edgecam.service"
grep -q "^ExecStart=$prefix/current/edgecam run --config $prefix/current/config.json" "$stage/edgecam.service" \
  || log "warning: $unit does not run $prefix/current/edgecam with $prefix/current/config.json; deployed as given"

# --- connect: the device's architecture, its current release, the tools the steps need
step connect "checking $prefix on the device"
remote check "$prefix" > "$work/check.out" || fail "$(remote_error)"
device_arch=$(sed -n 's/^arch //p' "$work/check.out")
previous=$(sed -n 's/^current //p' "$work/check.out")
arch=${arch:-$device_arch}
normalise_arch() {
  case "$1" in x86_64|amd64|linux-x64) echo linux-x64 ;; aarch64|arm64|linux-arm64) echo linux-arm64 ;; *) echo "$1" ;; esac
}
rid=$(normalise_arch "$arch")
case "$rid" in
  linux-x64) elf_machine=3e ;;
  linux-arm64) elf_machine=b7 ;;
  *) fail "architecture '$arch' is not supported (x86_64 and aarch64 are)" ;;
esac
log "$HOST: connect: $device_arch ($rid), current release: ${previous:-none}"
[ "$arch" = "$device_arch" ] || [ "$(normalise_arch "$arch")" = "$(normalise_arch "$device_arch")" ] \
  || log "warning: --arch $arch, but $HOST reports $device_arch"

# --- publish: the NativeAOT binary for that architecture
if [ -z "$artifacts" ]; then
  artifacts="$ARTIFACTS/edgecam/$rid"
  # Publishing takes minutes; a binary newer than every source file is up to date.
  newer_source=""
  [ ! -f "$artifacts/edgecam" ] || newer_source=$(find "$REPO/src" "$REPO/Directory.Build.props" -type f -newer "$artifacts/edgecam" \
    ! -path '*/bin/*' ! -path '*/obj/*' -print -quit)
  if [ "$publish" -eq 1 ] && { [ ! -f "$artifacts/edgecam" ] || [ -n "$newer_source" ]; }; then
    step publish "NativeAOT edgecam for $rid${newer_source:+ (${newer_source#"$REPO"/} changed)}"
    RID=$rid bash "$REPO/scripts/publish.sh" || fail "scripts/publish.sh failed for $rid"
  elif [ "$publish" -eq 1 ]; then
    step publish "$artifacts/edgecam is newer than the sources; not publishing again"
  fi
fi
step binaries "edgecam and libonnxruntime.so.1 from $artifacts"
for file in edgecam libonnxruntime.so.1; do
  [ -f "$artifacts/$file" ] || fail "$artifacts/$file is missing (run scripts/publish.sh, RID=$rid)"
  machine=$(od -An -tx1 -j18 -N1 "$artifacts/$file" | tr -d ' ')
  [ "$machine" = "$elf_machine" ] || fail "$artifacts/$file is not built for $rid (ELF machine 0x$machine), but $HOST is $arch"
done
install -m 0755 "$artifacts/edgecam" "$stage/edgecam"
install -m 0644 "$artifacts/libonnxruntime.so.1" "$stage/libonnxruntime.so.1"
cat > "$stage/RELEASE" <<EOF
release $release
rid $rid
commit $(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)
from $(id -un)@$(hostname)
model $(cd "$stage/model" && ls | paste -sd ' ')
EOF
chmod -R u=rwX,go=rX "$stage"
(cd "$stage" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)

# --- upload: into releases/NAME, verified against SHA256SUMS before it gets its name
step upload "$(du -sh "$stage" | cut -f1) into $prefix/releases/$release"
tar -C "$stage" -cf - . | gzip -1 | remote receive "$prefix" "$release" || fail "$(remote_error)"

# restart_and_wait: restarts the service and waits until it is ready, as steps `restart` and
# `ready`; on failure leaves the reason in $reason and the failed step in $current_step. Readiness
# counts only from a process started after the restart ($restart_since, the device's clock).
restart_and_wait() {
  local what=$1
  step restart "$what: ${restart_command:-systemctl restart edgecam}"
  restart_since=$(remote now "$prefix") || { reason="$(remote_error)"; return 1; }
  remote restart "$prefix" "$restart_command" >&2 || { reason="$(remote_error)"; return 1; }
  step ready "$what: waiting up to ${ready_timeout} s for $ready_url/readyz"
  remote wait-ready "$prefix" "$ready_url" "$restart_since" "$ready_timeout" >/dev/null || { reason="$(remote_error)"; return 1; }
}

show_service_log() {
  remote logs "$prefix" "$restart_since" "$logs_command" > "$work/service.log" || true
  [ -s "$work/service.log" ] || return 0
  log "$HOST: the service's log since the restart (last lines):"
  tail -n 15 "$work/service.log" | sed 's/^/    /' >&2
}

# rollback REASON: switches back to the previous release and restarts it; exits 3 or 4 with an
# error naming the step that failed.
rollback() {
  local why=$1 failed_step=$current_step
  trap - INT TERM
  if [ -z "$previous" ]; then
    step rollback "no previous release: removing $prefix/current and release $release"
    remote unlink "$prefix" || true
    remote discard "$prefix" "$release" || true
    current_step=$failed_step
    fail 4 "release $release did not become ready: $why; there is no previous release to go back to, so $prefix/current was removed"
  fi
  step rollback "$prefix/current -> releases/$previous"
  remote switch "$prefix" "$previous" || fail 4 "release $release did not become ready ($why), and switching back to $previous failed: $(remote_error)"
  restart_and_wait "rollback to $previous" \
    || fail 4 "release $release did not become ready ($why), and the previous release $previous did not either after the rollback: $reason"
  remote discard "$prefix" "$release" || log "warning: could not delete the failed release $release: $(remote_error)"
  current_step=$failed_step
  fail 3 "release $release did not become ready: $why; rolled back to $previous, which is ready"
}

# --- switch: current -> the new release
step switch "$prefix/current -> releases/$release"
remote switch "$prefix" "$release" || fail "$(remote_error)"
# From here on, an interrupted deploy goes back to the previous release.
trap 'log "$HOST: interrupted"; rollback "the deploy was interrupted"' INT TERM

# --- restart and wait for /readyz
if ! restart_and_wait "release $release"; then
  failed_reason=$reason
  show_service_log
  rollback "$failed_reason"
fi
trap - INT TERM
log "$HOST: ready: $ready_url/readyz answers 200 from release $release"

# --- prune: keep the newest releases
step prune "keeping $keep releases"
remote prune "$prefix" "$keep" > "$work/pruned" || log "warning: pruning old releases failed: $(remote_error)"
sed 's/^removed /removed old release /' "$work/pruned" | while read -r line; do log "$HOST: prune: $line"; done
log "$HOST: deployed release $release ($rid) in $((SECONDS - started_at)) s; previous: ${previous:-none}"
echo "$release"
