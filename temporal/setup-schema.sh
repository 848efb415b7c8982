#!/bin/sh
# The Temporal server's schema in PostgreSQL, one script for `npm run cluster` and docker-compose:
# creates the `temporal` and `temporal_visibility` databases and brings each to the schema version
# the sql tool ships (its schemas are embedded, so the tool's version is the schema's version).
# Idempotent: a database that exists is kept, and a schema already current is left as it is.
#   SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD   where PostgreSQL is (the sql tool reads them)
#   TEMPORAL_SQL_TOOL                          the sql tool (default: temporal-sql-tool on PATH)
set -eu
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
export SQL_PLUGIN=postgres12
for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  db="${pair%%:*}"
  schema="postgresql/v12/${pair#*:}"
  if ! out=$("$tool" --db "$db" create-database 2>&1); then
    case "$out" in
      *"already exists"*) ;;
      *) printf '%s\n' "$out" >&2; echo "setup-schema: could not create the database $db" >&2; exit 1 ;;
    esac
  fi
  "$tool" --db "$db" setup-schema -v 0.0
  "$tool" --db "$db" update-schema --schema-name "$schema"
  echo "setup-schema: $db is at the schema of $schema"
done
