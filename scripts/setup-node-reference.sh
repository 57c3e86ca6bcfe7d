#!/usr/bin/env bash
# Installs onnxruntime-node 1.30.0 (the same ORT build, driven from Node.js) into the cache as an
# independent reference client for conformance tests. --ignore-scripts: its postinstall would
# try to download GPU packages from outside the registry; the CPU binding ships in the package.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DIR="$EDGECAM_CACHE/node"
if [ -e "$DIR/node_modules/onnxruntime-node/package.json" ]; then exit 0; fi
command -v npm >/dev/null || apt_install npm
mkdir -p "$DIR"
log "installing onnxruntime-node@1.30.0 into $DIR"
(cd "$DIR" && { [ -e package.json ] || echo '{"name":"edgecam-reference","private":true}' > package.json; } &&
  npm install --silent --no-audit --no-fund --ignore-scripts onnxruntime-node@1.30.0 >/dev/null)
