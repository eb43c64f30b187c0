#!/usr/bin/env bash
# Brings up everything the integration tests need on this machine, idempotently: apt packages, dockerd,
# a single-node Swarm, locally built images, Debian's PostgreSQL server, a Redis and Pebble (ACME). Fast when all is up.
# Writes .cache/testbed.env (export lines) for tests and other scripts to `source`.
# Must never: start a second dockerd in the host's network namespace, pull from a registry, upgrade
# preinstalled packages, or send traffic anywhere but loopback, the apt mirror and our own containers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/images.sh"
source "$(dirname "${BASH_SOURCE[0]}")/pebble.sh"
source "$(dirname "${BASH_SOURCE[0]}")/bind.sh"

APT_PACKAGES=(docker.io debootstrap postgresql redis-server git curl iproute2 pebble openssl bind9 bind9-utils chromium)
REDIS_PORT=6390
PG_ROLE=berth_test
ENV_FILE="$CACHE_DIR/testbed.env"

# Images built from images/<dir>/Dockerfile, in order (an image may build FROM an earlier one).
# Adding an image = one Dockerfile + one line here. Extra arguments are host files copied into the
# build context next to the Dockerfile.
build_test_images() {
  build_image berth/node:20 node "$(readlink -f "$(command -v node)")"
  build_image berth/test-http:latest test-http
  build_image berth/caddy:2 caddy
  build_image berth/postgres:15 postgres && build_image berth/mariadb:10.11 mariadb && build_image berth/redis:7 redis
}

ensure_packages() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    STEP_NOTE="all present"
    return
  fi
  # Installing docker.io/redis/postgresql would try to start their services with default settings;
  # we start them ourselves. policy-rc.d exit 101 = "do not start" (only added if absent).
  local added_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  local rc=0
  { apt-get update -qq && apt-get install -y -qq --no-upgrade "${missing[@]}"; } \
    >"$CACHE_DIR/apt.log" 2>&1 9>&- || rc=$?
  [[ -z $added_policy ]] || rm -f /usr/sbin/policy-rc.d
  if ((rc != 0)); then
    tail -n 30 "$CACHE_DIR/apt.log" >&2
    die "apt-get install ${missing[*]} failed (log: $CACHE_DIR/apt.log)"
  fi
  STEP_NOTE="installed ${missing[*]}"
}

dockerd_pid_alive() {
  [[ -f /var/run/docker.pid ]] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null
}

# A dockerd someone else started may lack the variable; then only services naming image IDs avoid a pull.
offline_image_warning() {
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null) || return 0
  grep -qz '^DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1$' "/proc/$pid/environ" 2>/dev/null ||
    echo " — warning: started without DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1"
}

ensure_dockerd() {
  if docker_ready; then
    STEP_NOTE="running ($(docker version --format '{{.Server.Version}}'))$(offline_image_warning)"
    return
  fi
  local log="$CACHE_DIR/dockerd.log"
  if dockerd_pid_alive; then
    STEP_NOTE="waiting for the dockerd already starting (pid $(cat /var/run/docker.pid))"
  else
    # setsid + nohup: the daemon outlives this script; 9>&- so it does not inherit the run lock.
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid nohup dockerd >>"$log" 2>&1 </dev/null 9>&- &
    STEP_NOTE="started"
  fi
  local deadline=$(($(now_ms) + 60000))
  until docker_ready; do
    if (($(now_ms) > deadline)); then
      echo "---- last lines of $log ----" >&2
      tail -n 30 "$log" >&2 || true
      die "dockerd did not answer on $DOCKER_SOCKET within 60 s"
    fi
    sleep 0.2
  done
  STEP_NOTE="$STEP_NOTE ($(docker version --format '{{.Server.Version}}'))"
}

ensure_swarm() {
  local state
  state=$(docker info --format '{{.Swarm.LocalNodeState}}')
  case "$state" in
    active) STEP_NOTE="active" ;;
    inactive)
      docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >/dev/null
      STEP_NOTE="initialised"
      ;;
    *) die "swarm is '$state'; fix it by hand (docker swarm leave --force) and rerun" ;;
  esac
}

ensure_images() {
  build_base_image
  build_test_images
  prune_superseded_images
  STEP_NOTE="${IMAGES_NOTE# }"
}

newest_pg_version() {
  find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -n 1
}

# pg_lsclusters columns: Ver Cluster Port Status Owner Data Log
pg_cluster_field() { pg_lsclusters -h | awk -v v="$1" -v f="$2" '$1 == v && $2 == "main" { print $f }'; }

# Machine-wide, not per checkout: two clones (a developer's tree and CI's) share one PostgreSQL server,
# and each would otherwise reset the role's password under the other.
pg_password() {
  local file=/var/lib/berth-testbed/pg-password
  [[ -s $file ]] || (umask 077 && mkdir -p "${file%/*}" && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$file")
  cat "$file"
}

pg_role_works() {
  PGPASSWORD="$(pg_password)" PGCONNECT_TIMEOUT=3 psql -X -q -h 127.0.0.1 -p "$1" -U "$PG_ROLE" -d postgres \
    -tAc 'select 1' >/dev/null 2>&1
}

ensure_pg_role() {
  # Variables, not string building: psql quotes :'pw' itself.
  runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$1" -d postgres -v role="$PG_ROLE" -v pw="$(pg_password)" <<'SQL'
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN SUPERUSER PASSWORD :'pw';
SQL
}

ensure_postgres() {
  local version port
  version=$(newest_pg_version)
  [[ -n $version ]] || die "no PostgreSQL server under /usr/lib/postgresql"
  if [[ -z $(pg_cluster_field "$version" 2) ]]; then
    pg_createcluster "$version" main -p 5432 >/dev/null
    STEP_NOTE="created cluster $version/main;"
  fi
  if [[ $(pg_cluster_field "$version" 4) != online ]]; then
    pg_ctlcluster "$version" main start 9>&-
    STEP_NOTE="${STEP_NOTE:+$STEP_NOTE }started;"
  fi
  port=$(pg_cluster_field "$version" 3)
  if ! pg_role_works "$port"; then
    ensure_pg_role "$port"
    pg_role_works "$port" || die "role $PG_ROLE cannot log in on 127.0.0.1:$port with a password (check pg_hba.conf)"
    STEP_NOTE="${STEP_NOTE:+$STEP_NOTE }role $PG_ROLE ready;"
  fi
  PG_URL="postgres://$PG_ROLE:$(pg_password)@127.0.0.1:$port/postgres"
  STEP_NOTE="${STEP_NOTE:+$STEP_NOTE }PostgreSQL $version at postgres://$PG_ROLE:***@127.0.0.1:$port/postgres"
}

ensure_redis() {
  if redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    STEP_NOTE="running on 127.0.0.1:$REDIS_PORT"
    return
  fi
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' \
    --pidfile "$CACHE_DIR/redis.pid" --logfile "$CACHE_DIR/redis.log" 9>&-
  local tries=50
  until redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do
    ((--tries > 0)) || { tail -n 20 "$CACHE_DIR/redis.log" >&2; die "redis did not start on $REDIS_PORT"; }
    sleep 0.1
  done
  STEP_NOTE="started on 127.0.0.1:$REDIS_PORT"
}

write_env_file() {
  local tmp="$ENV_FILE.tmp"
  (
    umask 077
    cat >"$tmp" <<EOF
# Written by scripts/testbed/up.sh — source it before running integration tests.
export TEST_PG_SERVER_URL=$PG_URL
export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export DOCKER_SOCKET=$DOCKER_SOCKET
export BERTH_TEST_IMAGE_BASE=berth/debian:bookworm
export BERTH_TEST_IMAGE_NODE=berth/node:20
export BERTH_TEST_IMAGE_HTTP=berth/test-http:latest
export BERTH_TEST_DATABASE_IMAGES='{"postgres:15":"berth/postgres:15","mariadb:10.11":"berth/mariadb:10.11","redis:7":"berth/redis:7"}'
EOF
    pebble_env_lines >>"$tmp"
    bind_env_lines >>"$tmp"
  )
  mv "$tmp" "$ENV_FILE"
  STEP_NOTE="$ENV_FILE"
}

main() {
  [[ $EUID -eq 0 ]] || die "run as root (it installs packages and starts dockerd)"
  local started
  started=$(now_ms)
  take_testbed_lock
  step packages ensure_packages
  step dockerd ensure_dockerd
  step swarm ensure_swarm
  step images ensure_images
  step postgres ensure_postgres
  step redis ensure_redis
  step pebble ensure_pebble
  step bind ensure_bind
  step env write_env_file
  step s3 bash "$REPO_ROOT/scripts/testbed/s3.sh"
  local elapsed=$(($(now_ms) - started))
  printf 'testbed: ready in %d.%02ds — source %s\n' $((elapsed / 1000)) $((elapsed % 1000 / 10)) "$ENV_FILE"
}

main "$@"
