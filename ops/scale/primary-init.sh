#!/bin/sh
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): the role
# the replica streams with, and the pg_hba line that lets it in (docker-compose.scale.yml).
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD 'replicator';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
