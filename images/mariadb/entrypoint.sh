#!/bin/bash
# First start on an empty data directory: install the system tables, then run the bootstrap SQL
# (root password, application user and database) through mariadbd --bootstrap on stdin (passwords
# never in argv), then exec the server listening on every address.
# Must never: print a password, or touch a data directory that already holds a server.
set -euo pipefail
if [[ ${1:-} != mariadbd ]]; then exec "$@"; fi
datadir=/var/lib/mysql
mkdir -p "$datadir" /run/mysqld
chown mysql:mysql "$datadir" /run/mysqld
# SQL string literal: double every single quote and backslash.
sql_quote() { local s=${1//\\/\\\\}; printf "'%s'" "${s//\'/\'\'}"; }
sql_ident() { printf '`%s`' "${1//\`/\`\`}"; }
if [[ ! -d $datadir/mysql ]]; then
  : "${MARIADB_ROOT_PASSWORD:?MARIADB_ROOT_PASSWORD is required}"
  mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db >/dev/null
  {
    echo "FLUSH PRIVILEGES;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_quote "$MARIADB_ROOT_PASSWORD");"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $(sql_quote "$MARIADB_ROOT_PASSWORD");"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [[ -n ${MARIADB_DATABASE:-} ]]; then
      echo "CREATE DATABASE IF NOT EXISTS $(sql_ident "$MARIADB_DATABASE");"
    fi
    if [[ -n ${MARIADB_USER:-} ]]; then
      echo "CREATE USER $(sql_quote "$MARIADB_USER")@'%' IDENTIFIED BY $(sql_quote "${MARIADB_PASSWORD:?MARIADB_PASSWORD is required}");"
      if [[ -n ${MARIADB_DATABASE:-} ]]; then
        echo "GRANT ALL ON $(sql_ident "$MARIADB_DATABASE").* TO $(sql_quote "$MARIADB_USER")@'%';"
      fi
    fi
  } | mariadbd --user=mysql --datadir="$datadir" --bootstrap >/dev/null
  echo "berth-entrypoint: initialised $datadir"
fi
exec "$@" --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 --skip-name-resolve
