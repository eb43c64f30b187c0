#!/usr/bin/env bash
# Tears down what tests leave behind: stops the test bed's Redis and removes Swarm services, containers
# and networks labelled berth.test=true. Leaves dockerd, the swarm, images and PostgreSQL running
# (they are expensive to bring back and shared). Must never remove an object without that label.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REDIS_PORT=6390
TEST_LABEL=berth.test=true

stop_redis() {
  if redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    STEP_NOTE="stopped 127.0.0.1:$REDIS_PORT"
  else
    STEP_NOTE="not running"
  fi
}

remove_test_services() {
  local ids
  mapfile -t ids < <(docker service ls -q --filter "label=$TEST_LABEL")
  ((${#ids[@]} == 0)) || docker service rm "${ids[@]}" >/dev/null
  STEP_NOTE="${#ids[@]} removed"
}

# Standalone test containers only: Swarm removes its task containers itself once the service is gone.
remove_test_containers() {
  local ids
  mapfile -t ids < <(docker ps -a --filter "label=$TEST_LABEL" --format '{{.ID}} {{.Label "com.docker.swarm.task.id"}}' |
    awk 'NF == 1 { print $1 }')
  ((${#ids[@]} == 0)) || docker rm -f "${ids[@]}" >/dev/null
  STEP_NOTE="${#ids[@]} removed"
}

# Swarm stops a removed service's tasks in the background; "down" should mean they are gone.
wait_for_task_containers() {
  local tries=150 left
  while left=$(docker ps -aq --filter "label=$TEST_LABEL" | wc -l) && ((left > 0)); do
    ((--tries > 0)) || die "$left test containers still present after 30 s"
    sleep 0.2
  done
  STEP_NOTE="none left"
}

# A network stays in use until the removed services' tasks have stopped: retry for a while.
remove_test_networks() {
  local ids tries=50
  while :; do
    mapfile -t ids < <(docker network ls -q --filter "label=$TEST_LABEL")
    ((${#ids[@]} > 0)) || break
    docker network rm "${ids[@]}" >/dev/null 2>&1 && break
    ((--tries > 0)) || die "could not remove networks ${ids[*]} (still in use?)"
    sleep 0.2
  done
  STEP_NOTE="${#ids[@]} removed"
}

main() {
  step redis stop_redis
  if docker_ready; then
    step services remove_test_services
    step containers remove_test_containers
    step tasks wait_for_task_containers
    step networks remove_test_networks
  else
    echo "testbed: dockerd is not running; nothing to remove there"
  fi
}

main "$@"
