#!/usr/bin/env bash
# Make sure the PostgreSQL server the tests use answers. In CI (CI=true) the
# PostgreSQL tests are required, so a server that cannot be started is an error.
set -u
url="${TESSERA_TEST_PG:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 0.5; done
fi
if [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL does not answer at $url and CI requires the PostgreSQL tests." >&2
  echo "Start it (pg_ctlcluster ... main start) or set TESSERA_TEST_PG." >&2
  exit 1
fi
echo "PostgreSQL is not running: its tests will be skipped (outside CI only)." >&2
