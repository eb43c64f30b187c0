#!/usr/bin/env bash
# The whole test suite — the README's test command (`npm test`) and what CI runs (.ci/run).
# 1. installs dependencies and brings up the test bed (Docker + Swarm, images, PostgreSQL, Redis);
# 2. typecheck, lint, build;
# 3. every test file against Berth's embedded PostgreSQL 16;
# 4. the database-backed tests again against Debian's PostgreSQL server (DATABASE_URL-style);
# and prints one closing line "tests: N passed, N failed".
# Files named *.int.test.ts need Docker/Redis and run in pass 3 only.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
mkdir -p .cache
step() { printf '\n== %s (%ss)\n' "$1" "$((SECONDS - start))"; }

step "dependencies"
if [[ ! -d node_modules ]] || ! npm ls --omit=optional >/dev/null 2>&1; then
  npm ci --no-audit --no-fund
fi

step "test bed"
bash scripts/testbed/up.sh
# shellcheck disable=SC1091
source .cache/testbed.env

step "typecheck, lint, build"
npx tsc -p tsconfig.json --noEmit
npx tsc -p web/tsconfig.json --noEmit
npx eslint --max-warnings=0 .
npm run --silent build

step "embedded PostgreSQL for the tests"
EMBEDDED_URL=$(node --import tsx test/support/embedded-server.ts)
trap 'node --import tsx test/support/embedded-server.ts stop || true' EXIT
export TEST_REDIS_URL TEST_PG_SERVER_URL

passed=0 failed=0
run_pass() { # name, database url, files...
  local name=$1 url=$2
  shift 2
  step "tests: $name (${#} files)"
  local out=".cache/test-$name.log" rc=0
  TEST_DATABASE_URL=$url node --import tsx --test --test-concurrency=3 --test-timeout=600000 \
    --test-reporter=spec "$@" 2>&1 | tee "$out" || rc=$?
  local p f c
  p=$(grep -aE '^ℹ pass [0-9]+' "$out" | tail -1 | awk '{print $3}')
  f=$(grep -aE '^ℹ fail [0-9]+' "$out" | tail -1 | awk '{print $3}')
  c=$(grep -aE '^ℹ cancelled [0-9]+' "$out" | tail -1 | awk '{print $3}')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${c:-0}))
  if ((rc != 0)) && ((${f:-0} + ${c:-0} == 0)); then failed=$((failed + 1)); fi
}

mapfile -t all < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
mapfile -t db_files < <(printf '%s\n' "${all[@]}" | grep -v '\.int\.test\.ts$')
run_pass embedded-pg "$EMBEDDED_URL" "${all[@]}"
run_pass debian-pg "$TEST_PG_SERVER_URL" "${db_files[@]}"

step "done"
echo "tests: $passed passed, $failed failed"
((failed == 0))
