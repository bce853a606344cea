"""Backup and restore round trip on PostgreSQL with the documented scripts (scripts/backup.sh, restore.sh):
every table's rows come back identical, the migrations are all applied, and the media files come back."""

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from matching import runs
from matching.models import Match
from mengkeju.postings import services as posting_services
from tests.factories import AchievementFactory, NeedFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def table_contents(database_url: str) -> dict[str, list]:
    """Every row of every table of the public schema, sorted: the whole database as data."""
    with psycopg.connect(database_url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        return {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables}


def sequences(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as conn:
        return dict(
            conn.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname='public'").fetchall()
        )


def run(command, **env):
    result = subprocess.run(command, cwd=ROOT, env=os.environ | env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_backup_and_restore_round_trip(tmp_path, admin, owner):
    AchievementFactory(title="奶牛隐性乳房炎在线检测装置", keywords=["乳房炎"], cluster="agri-food")
    need = NeedFactory(
        title="奶牛乳房炎早期发现",
        keywords=["乳房炎"],
        cluster="agri-food",
        status="pending",
        organization=owner.organization,
        description="保密全文：颗粒硅",
    )
    posting_services.posting_approve(posting=need, user=admin)
    runs.match_run_execute(run_id=runs.match_run_create(trigger="command").pk)
    assert Match.objects.exists()
    media = tmp_path / "media"
    (media / "attachments" / "2026").mkdir(parents=True)
    (media / "attachments" / "2026" / "方案.pdf").write_bytes(b"%PDF-1.4 \x00\xff binary")

    source = url(connection.settings_dict["NAME"])
    backups = tmp_path / "backups"
    dump = run(["scripts/backup.sh", str(backups)], DATABASE_URL=source, MEDIA_ROOT=str(media))
    archive = next(backups.glob("media-*.tar.gz"))

    target_name = f"{connection.settings_dict['NAME']}_restored"
    target = url(target_name)
    with psycopg.connect(url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
        conn.execute(f'CREATE DATABASE "{target_name}"')
    try:
        restored_media = tmp_path / "restored-media"
        run(["scripts/restore.sh", dump, str(archive)], DATABASE_URL=target, MEDIA_ROOT=str(restored_media))
        assert table_contents(target) == table_contents(source)
        assert sequences(target) == sequences(source)  # new rows continue the ids, no collisions
        plan = run([".venv/bin/python", "manage.py", "migrate", "--plan"], DATABASE_URL=target)
        assert "No planned migration operations." in plan
        assert (restored_media / "attachments" / "2026" / "方案.pdf").read_bytes() == b"%PDF-1.4 \x00\xff binary"
        # a second restore over the restored database (e.g. a retry) gives the same result
        run(["scripts/restore.sh", dump], DATABASE_URL=target)
        assert table_contents(target) == table_contents(source)
    finally:
        with psycopg.connect(url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')


def test_backup_refuses_a_database_that_is_not_postgresql(tmp_path):
    result = subprocess.run(
        ["scripts/backup.sh", str(tmp_path)],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": "sqlite:///var/x.sqlite3"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "not PostgreSQL" in result.stderr
