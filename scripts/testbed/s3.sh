#!/usr/bin/env bash
# s3rver (an S3-compatible server in Node, the s3rver devDependency) for the backup tests, driven only
# through the AWS SDK. Run by up.sh after it writes the env file (or on its own); idempotent: starts
# s3rver only when nothing answers on its port, then replaces the TEST_S3_* lines in .cache/testbed.env.
# Must never listen beyond loopback. Credentials are s3rver's fixed pair (S3RVER/S3RVER): a request
# with another access key id is refused (InvalidAccessKeyId), which the "wrong credentials" tests rely on
# (s3rver does not check SigV4 signatures, so a wrong secret alone is not detected here).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

S3_ADDRESS=127.0.0.1
S3_PORT=${TEST_S3_PORT:-14568}
# Machine-wide like Pebble's files: one s3rver serves every checkout on this machine.
S3_DIR=/var/lib/berth-testbed/s3rver
S3_BIN="$REPO_ROOT/node_modules/s3rver/bin/s3rver.js"
ENV_FILE="$CACHE_DIR/testbed.env"

s3_answers() { curl -s -o /dev/null --max-time 2 "http://$S3_ADDRESS:$S3_PORT/" ; }

ensure_s3rver() {
  [[ -f $S3_BIN ]] || die "s3rver is not installed (npm ci installs the devDependency)"
  if s3_answers; then
    echo "s3rver: running on http://$S3_ADDRESS:$S3_PORT"
  else
    mkdir -p "$S3_DIR/data"
    setsid nohup node "$S3_BIN" -d "$S3_DIR/data" -a "$S3_ADDRESS" -p "$S3_PORT" --silent --no-vhost-buckets \
      >>"$S3_DIR/s3rver.log" 2>&1 </dev/null 9>&- &
    echo $! >"$S3_DIR/s3rver.pid"
    local tries=100
    until s3_answers; do
      ((--tries > 0)) || { tail -n 20 "$S3_DIR/s3rver.log" >&2; die "s3rver did not listen on $S3_ADDRESS:$S3_PORT"; }
      sleep 0.1
    done
    echo "s3rver: started on http://$S3_ADDRESS:$S3_PORT (data $S3_DIR/data)"
  fi
}

write_s3_env() {
  touch "$ENV_FILE"
  local tmp="$ENV_FILE.s3.tmp"
  (
    umask 077
    grep -v '^export TEST_S3_' "$ENV_FILE" >"$tmp" || true
    cat >>"$tmp" <<ENV
export TEST_S3_ENDPOINT=http://$S3_ADDRESS:$S3_PORT
export TEST_S3_REGION=us-east-1
export TEST_S3_ACCESS_KEY=S3RVER
export TEST_S3_SECRET_KEY=S3RVER
ENV
  )
  mv "$tmp" "$ENV_FILE"
}

ensure_s3rver
write_s3_env
