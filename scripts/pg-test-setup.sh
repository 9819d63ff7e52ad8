#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster and makes the test role `ansinh` and database `ansinh_test`
# (idempotent: safe to run again). Prints the connection URL on stdout, and nothing else there:
#   export ANSINH_TEST_PG="$(bash scripts/pg-test-setup.sh)"
# Needs root (CI) or sudo. Installs Debian's postgresql-15 first if the machine lacks it.
set -euo pipefail

PASSWORD="${ANSINH_TEST_PG_PASSWORD:-ansinh_test_pw}"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  echo "pg-test-setup: installing postgresql-15" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
fi
if ! pg_lsclusters -h | awk '$1 == "15" && $2 == "main" { found = 1 } END { exit !found }'; then
  pg_createcluster 15 main >&2
fi
if ! pg_lsclusters -h | awk '$1 == "15" && $2 == "main" && $4 == "online" { found = 1 } END { exit !found }'; then
  pg_ctlcluster 15 main start >&2
fi
port=$(pg_lsclusters -h | awk '$1 == "15" && $2 == "main" { print $3 }')

for _ in $(seq 1 30); do
  pg_isready -q -h localhost -p "$port" && break
  sleep 1
done
pg_isready -q -h localhost -p "$port" || { echo "pg-test-setup: PostgreSQL did not become ready" >&2; exit 1; }

as_postgres psql -q -v ON_ERROR_STOP=1 -p "$port" -d postgres >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ansinh') THEN
    CREATE ROLE ansinh LOGIN;
  END IF;
END
\$\$;
ALTER ROLE ansinh WITH LOGIN PASSWORD '${PASSWORD}';
SQL
if [ "$(as_postgres psql -tAq -p "$port" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'ansinh_test'")" != 1 ]; then
  as_postgres createdb -p "$port" -O ansinh ansinh_test >&2
fi

echo "postgres://ansinh:${PASSWORD}@localhost:${port}/ansinh_test"
