# Shared helpers for EdgeCam's scripts; sourced, not run.
# shellcheck shell=bash

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export EDGECAM_CACHE="${EDGECAM_CACHE:-$HOME/.cache/edgecam}"
ARTIFACTS="$REPO/artifacts"

log() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}

# apt_install PKG...: installs Debian packages that are missing (one apt-get update at most).
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

dotnet_rid() {
  case "$(uname -m)" in
    x86_64) echo linux-x64 ;;
    aarch64|arm64) echo linux-arm64 ;;
    *) die "unsupported architecture $(uname -m)" ;;
  esac
}

require_dotnet() {
  command -v dotnet >/dev/null || die "the .NET SDK (10 or later) is needed: see https://learn.microsoft.com/dotnet/core/install/linux-debian"
}
