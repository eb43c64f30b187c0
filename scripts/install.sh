#!/usr/bin/env bash
# Quick start: sets up and runs Berth on a fresh Debian/Ubuntu server, from a checkout of this repo.
#   sudo ./scripts/install.sh
# Installs what is missing (Docker engine from the distribution, git, Node.js ≥ 20 when the
# distribution has it), starts Docker and a single-node Swarm, builds Berth, and starts `berth server`
# — as a systemd service when systemd runs, else in the background — then prints the one-time setup
# token. Idempotent: running it again upgrades the build and restarts the server.
# Settings: any BERTH_* / DATABASE_URL / REDIS_URL variable in the environment is written to
# /etc/berth/berth.env (see the README's settings table). ADVERTISE_ADDR sets the Swarm address.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ENV_FILE=/etc/berth/berth.env
DATA_DIR=${BERTH_DATA_DIR:-/var/lib/berth}
PORT=${BERTH_PORT:-3000}
export DEBIAN_FRONTEND=noninteractive

say() { printf 'berth-install: %s\n' "$*"; }
die() { printf 'berth-install: error: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (sudo $0)"
command -v apt-get >/dev/null || die "this installer needs a Debian or Ubuntu system (apt-get)"

node_ok() { command -v node >/dev/null && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; }

missing=()
for pkg in docker.io git curl ca-certificates; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
node_ok || missing+=(nodejs npm)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-upgrade "${missing[@]}" >/dev/null
fi
node_ok || die "Node.js 20 or newer is required (found $(node --version 2>/dev/null || echo none)); install it, then run this again"

if ! docker info >/dev/null 2>&1; then
  if [[ -d /run/systemd/system ]]; then
    systemctl enable --now docker >/dev/null
  else
    say "starting dockerd (no systemd)"
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid nohup dockerd >>/var/log/dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
  docker info >/dev/null 2>&1 || die "Docker did not start (see /var/log/dockerd.log or journalctl -u docker)"
fi
if [[ $(docker info --format '{{.Swarm.LocalNodeState}}') != active ]]; then
  addr=${ADVERTISE_ADDR:-$(ip -4 route get 1.1.1.1 2>/dev/null | awk '{for(i=1;i<NF;i++) if ($i=="src") print $(i+1)}' | head -1)}
  say "initialising a single-node Swarm (advertise ${addr:-127.0.0.1})"
  docker swarm init --advertise-addr "${addr:-127.0.0.1}" >/dev/null
fi

say "building Berth"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build

mkdir -p /etc/berth "$DATA_DIR"
chmod 0700 /etc/berth
{
  echo "# Written by scripts/install.sh; see the README for every setting."
  echo "BERTH_DATA_DIR=$DATA_DIR"
  echo "BERTH_PORT=$PORT"
  env | grep -E '^(BERTH_[A-Z_]+|DATABASE_URL|REDIS_URL)=' | grep -vE '^(BERTH_DATA_DIR|BERTH_PORT)=' || true
} >"$ENV_FILE"
chmod 0600 "$ENV_FILE"

if [[ -d /run/systemd/system ]]; then
  cat >/etc/systemd/system/berth.service <<UNIT
[Unit]
Description=Berth control plane
After=network-online.target docker.service
Wants=docker.service

[Service]
# A small young generation and two malloc arenas keep the mostly idle control plane's memory low (see bench/).
Environment=MALLOC_ARENA_MAX=2
EnvironmentFile=$ENV_FILE
ExecStart=$(command -v node) --max-semi-space-size=1 $ROOT/bin/berth.js server
Restart=on-failure
KillSignal=SIGTERM
# Only the control plane itself: the upstream DNS process (berth dns) must keep answering the proxy
# while Berth restarts, and the embedded PostgreSQL is stopped by Berth's own graceful shutdown.
KillMode=process
TimeoutStopSec=30

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable berth >/dev/null
  systemctl restart berth
else
  if [[ -f $DATA_DIR/berth.pid ]] && kill -0 "$(cat "$DATA_DIR/berth.pid")" 2>/dev/null; then
    kill -TERM "$(cat "$DATA_DIR/berth.pid")"
    for _ in $(seq 1 100); do kill -0 "$(cat "$DATA_DIR/berth.pid")" 2>/dev/null || break; sleep 0.2; done
  fi
  say "starting berth server in the background (log: $DATA_DIR/berth.log)"
  (export MALLOC_ARENA_MAX=2; set -a; source "$ENV_FILE"; set +a; exec setsid nohup node --max-semi-space-size=1 "$ROOT/bin/berth.js" server >>"$DATA_DIR/berth.log" 2>&1 </dev/null) &
  echo $! >"$DATA_DIR/berth.pid"
fi

for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$PORT/api/health" >/dev/null || die "berth server did not become healthy (see $DATA_DIR/berth.log or journalctl -u berth)"
say "Berth is running on http://$(hostname -f 2>/dev/null || hostname):$PORT"
if [[ -f $DATA_DIR/setup-token ]]; then
  say "finish setup in the dashboard or with POST /api/setup, using the one-time token:"
  echo
  echo "    $(cat "$DATA_DIR/setup-token")"
  echo
fi
