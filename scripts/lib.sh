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

# aot_cross_args RID: extra `dotnet publish` arguments to build NativeAOT for RID on this machine
# (none when RID is the machine's own). x86-64 -> linux-arm64: Debian's aarch64 gcc links
# (scripts/aarch64-gcc), and the arm64 runtime packs are pinned to 9.0.23, the 9.0 version the
# package mirror serves for arm64 (the SDK would ask for its own 9.0.x); NU1603 is the notice that
# the ILCompiler's arm64 pack resolved to that version.
aot_cross_args() {
  [ "$1" = "$(dotnet_rid)" ] && return 0
  case "$(dotnet_rid)>$1" in
    "linux-x64>linux-arm64")
      apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      echo "-p:RuntimeFrameworkVersion=9.0.23 -p:WarningsNotAsErrors=NU1603 -p:CppCompilerAndLinker=$REPO/scripts/aarch64-gcc -p:ObjCopyName=aarch64-linux-gnu-objcopy" ;;
    *) die "cannot cross-compile NativeAOT from $(dotnet_rid) to $1" ;;
  esac
}

# arm64_debs DEST PACKAGE...: Debian's arm64 builds of the packages, unpacked into DEST, through a
# private apt state in the cache (the machine's dpkg gets no foreign architecture).
arm64_debs() {
  local dest="$1"; shift
  local apt_dir="$EDGECAM_CACHE/arm64/apt"
  mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$dest"
  touch "$apt_dir/state/status"
  local apt=(apt-get -qq -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o "Dir::State=$apt_dir/state"
    -o "Dir::State::status=$apt_dir/state/status" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  "${apt[@]}" update
  rm -f "$apt_dir"/debs/*.deb
  (cd "$apt_dir/debs" && "${apt[@]}" download "$@")
  local deb; for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dest"; done
  rm -f "$apt_dir"/debs/*.deb
}

require_dotnet() {
  command -v dotnet >/dev/null || die "the .NET SDK (10 or later) is needed: see https://learn.microsoft.com/dotnet/core/install/linux-debian"
}
