#!/usr/bin/env bash
# Back up Mengkeju: the PostgreSQL database (pg_dump, custom format) and the media files (uploads).
#
#   DATABASE_URL=postgres://user:pw@host:5432/mengkeju [MEDIA_ROOT=/srv/mengkeju/media] scripts/backup.sh DIR
#
# Writes DIR/mengkeju-<UTC time>.dump and, when MEDIA_ROOT is a directory, DIR/media-<UTC time>.tar.gz;
# prints the dump's path. Consistent while the site runs (pg_dump reads one snapshot). See docs/operations.md.
set -euo pipefail
dest=${1:?usage: scripts/backup.sh DIR}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database}"
case "$DATABASE_URL" in postgres://* | postgresql://*) ;; *) echo "DATABASE_URL: not PostgreSQL" >&2; exit 2 ;; esac
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dest"
pg_dump --format=custom --no-owner --no-privileges --file "$dest/mengkeju-$stamp.dump" "$DATABASE_URL"
if [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ]; then
    tar -C "$MEDIA_ROOT" -czf "$dest/media-$stamp.tar.gz" .
fi
echo "$dest/mengkeju-$stamp.dump"
