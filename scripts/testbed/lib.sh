# shellcheck shell=bash
# Shared helpers for the test bed scripts (up.sh, down.sh). Sourced, never executed.
# Must never touch anything outside what the test bed owns: no host services other than the ones it
# starts, no unlabelled Docker objects, no network traffic beyond loopback, the apt mirror and containers.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="$REPO_ROOT/.cache"
DOCKER_SOCKET="${DOCKER_SOCKET:-/var/run/docker.sock}"
export DOCKER_HOST="unix://$DOCKER_SOCKET"
# The classic builder: BuildKit needs the buildx plugin on the newer client, and our images are tiny.
export DOCKER_BUILDKIT=0
export DEBIAN_FRONTEND=noninteractive

mkdir -p "$CACHE_DIR"

now_ms() { date +%s%3N; }

die() {
  echo "testbed: error: $*" >&2
  exit 1
}

# step NAME FUNCTION [ARGS...] — runs one step and prints one line: its name, duration and what it did.
# A step reports what it did by setting STEP_NOTE.
step() {
  local name=$1
  shift
  local started
  started=$(now_ms)
  STEP_NOTE=""
  "$@"
  local elapsed=$(($(now_ms) - started))
  printf 'testbed: %-10s %3d.%02ds  %s\n' "$name" $((elapsed / 1000)) $((elapsed % 1000 / 10)) "$STEP_NOTE"
}

# Serialise concurrent runs (several engineers share one machine). Daemons started while the lock is
# held must be launched with `9>&-` so they do not inherit the lock and hold it forever.
take_testbed_lock() {
  exec 9>"$CACHE_DIR/testbed.lock"
  flock 9
}

docker_ready() { docker info >/dev/null 2>&1; }

# Short content hash of stdin.
hash_stdin() { sha256sum | cut -c1-16; }

image_label() { # image_label REF LABEL — prints the label's value, empty when the image is missing
  docker image inspect --format "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true
}
