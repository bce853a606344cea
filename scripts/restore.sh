#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into the database named by DATABASE_URL (which must exist,
# normally empty: createdb first) and, with a media archive, into MEDIA_ROOT.
#
#   DATABASE_URL=postgres://.../mengkeju [MEDIA_ROOT=/srv/mengkeju/media] scripts/restore.sh DUMP [MEDIA.tar.gz]
#
# All or nothing for the database (one transaction, stops at the first error). Stop the web, worker and beat
# processes first; run `manage.py migrate` afterwards when the code is newer than the backup.
set -euo pipefail
dump=${1:?usage: scripts/restore.sh DUMP [MEDIA.tar.gz]}
media=${2:-}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database}"
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --single-transaction \
    --dbname "$DATABASE_URL" "$dump"
if [ -n "$media" ]; then
    : "${MEDIA_ROOT:?MEDIA_ROOT must name the media directory to restore into}"
    mkdir -p "$MEDIA_ROOT"
    tar -C "$MEDIA_ROOT" -xzf "$media"
fi
echo "restored $dump${media:+ and $media}"
