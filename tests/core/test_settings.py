"""Settings come from the environment; a bad value stops start-up with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mengkeju.lib.env import env_bool, env_int, env_list, env_str, env_url

ROOT = Path(__file__).resolve().parents[2]
# not passed on to the processes started here (DJANGO_ALLOW_ASYNC_UNSAFE: set while Playwright runs)
INHERITED = {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("TRUE", True), ("on", True), ("no", False), ("0", False)])
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", not expected) is expected


def test_env_defaults_when_unset(monkeypatch):
    for name in ("X_FLAG", "X_NUM", "X_LIST", "X_URL", "X_STR"):
        monkeypatch.delenv(name, raising=False)
    assert env_bool("X_FLAG", True) is True
    assert env_int("X_NUM", 7) == 7
    assert env_list("X_LIST", ["a"]) == ["a"]
    assert env_url("X_URL", None, schemes=("redis",)) is None
    assert env_str("X_STR", "d") == "d"


@pytest.mark.parametrize(
    ("helper", "raw", "message"),
    [
        (lambda: env_bool("X_VAR", False), "maybe", "X_VAR: expected a boolean"),
        (lambda: env_int("X_VAR", 1), "ten", "X_VAR: expected an integer"),
        (lambda: env_int("X_VAR", 1, minimum=1), "0", "X_VAR: must be at least 1"),
        (lambda: env_list("X_VAR", []), "a.example,,b.example", "X_VAR: empty item"),
        (lambda: env_url("X_VAR", None, schemes=("redis",)), "localhost:6379", "X_VAR: expected a URL"),
        (lambda: env_url("X_VAR", None, schemes=("redis",)), "http://localhost", "X_VAR: scheme must be one of redis"),
    ],
)
def test_env_helpers_reject_bad_values(monkeypatch, helper, raw, message):
    monkeypatch.setenv("X_VAR", raw)
    with pytest.raises(ImproperlyConfigured) as exc:
        helper()
    assert str(exc.value).startswith(message)


def test_values_can_come_from_files(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    monkeypatch.setenv("X_SECRET", "ignored")
    assert env_str("X_SECRET") == "s3cr3t"
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="X_SECRET_FILE: cannot read"):
        env_str("X_SECRET")


def _start(tmp_path, code="import mengkeju.settings", **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean | {"MENGKEJU_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "mengkeju.settings"} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG: expected a boolean"),
        ({"DEBUG": "0"}, "SECRET_KEY: required when DEBUG is off"),
        ({"SECRET_KEY_FILE": "/nonexistent/secret"}, "SECRET_KEY_FILE: cannot read"),
        ({"DATABASE_URL": "mysql://db/mengkeju"}, "DATABASE_URL: scheme must be one of"),
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL: expected a URL"),
        ({"PAGE_SIZE": "0"}, "PAGE_SIZE: must be at least 1"),
        ({"MATCH_TOP_K": "ten"}, "MATCH_TOP_K: expected an integer"),
        ({"ALLOWED_HOSTS": "example.com,,"}, "ALLOWED_HOSTS: empty item"),
        ({"LANGUAGE_CODE": "fr"}, "LANGUAGE_CODE: must be one of"),
        ({"EMAIL_URL": "smtp://mail.example.com:port"}, "EMAIL_URL: bad port"),
        ({"EMAIL_URL": "smtp://"}, "EMAIL_URL: expected a URL"),
        ({"SECURE_HSTS_SECONDS": "-1"}, "SECURE_HSTS_SECONDS: must be at least 0"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, env, message):
    result = _start(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_development_defaults(tmp_path):
    code = (
        "from mengkeju import settings as s;"
        "print(s.DEBUG, s.LANGUAGE_CODE, s.TIME_ZONE, s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER,"
        " s.EMAIL_BACKEND.rsplit('.', 2)[-2], (s.VAR_DIR / 'secret_key').exists())"
    )
    result = _start(tmp_path, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "zh-hans",
        "Asia/Shanghai",
        "django.db.backends.sqlite3",
        "True",
        "console",
        "True",
    ]


@pytest.mark.parametrize(("url", "backend"), [("console://", "console"), ("locmem://", "locmem")])
def test_host_less_mail_backends(tmp_path, url, backend):
    result = _start(tmp_path, "from mengkeju import settings as s; print(s.EMAIL_BACKEND)", EMAIL_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"django.core.mail.backends.{backend}.EmailBackend"


def test_production_values_are_read(tmp_path):
    code = (
        "from mengkeju import settings as s;"
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['HOST'], s.CELERY_TASK_ALWAYS_EAGER,"
        " s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL, s.SESSION_COOKIE_SECURE, s.PAGE_SIZE)"
    )
    result = _start(
        tmp_path,
        code,
        DEBUG="off",
        SECRET_KEY="k7#Qv9!zR2@mX4$wL8%nB6^tY3&cF1*hJ5(pD0)sG-Ue7+Wa2=Nx5~Hr8",
        ALLOWED_HOSTS="mengkeju.example.cn,www.mengkeju.example.cn",
        DATABASE_URL="postgres://app:pw@db.internal:5432/mengkeju",
        REDIS_URL="redis://cache.internal:6379/1",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example.cn?from=noreply@mengkeju.example.cn",
        PAGE_SIZE="50",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False ['mengkeju.example.cn', 'www.mengkeju.example.cn'] db.internal False "
        "smtp.example.cn 587 True noreply@mengkeju.example.cn True 50"
    )


def test_check_deploy_is_clean_when_debug_is_off(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in INHERITED}
        | {
            "MENGKEJU_VAR_DIR": str(tmp_path),
            "DEBUG": "0",
            "SECRET_KEY": "k7#Qv9!zR2@mX4$wL8%nB6^tY3&cF1*hJ5(pD0)sG-Ue7+Wa2=Nx5~Hr8",
            "ALLOWED_HOSTS": "mengkeju.example.cn",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


STRONG_KEY = "k7#Qv9!zR2@mX4$wL8%nB6^tY3&cF1*hJ5(pD0)sG-Ue7+Wa2=Nx5~Hr8"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("short-but-random-Q9z!", "too short (21 characters, at least 50 needed)"),
        ("x" * 60, "too few different characters (1, at least 10 needed)"),
        ("ab" * 30, "too few different characters (2, at least 10 needed)"),
        ("django-insecure-" + STRONG_KEY, "looks like a default or example value (contains 'insecure')"),
        ("change-me-" + STRONG_KEY, "looks like a default or example value (contains 'change')"),
        (STRONG_KEY + "-CHANGEME", "looks like a default or example value (contains 'change')"),
        ("your-secret-key-" + STRONG_KEY, "looks like a default or example value (contains 'secret')"),
        ("mengkeju-" + STRONG_KEY, "looks like a default or example value (contains 'mengkeju')"),
    ],
)
def test_a_weak_or_default_secret_key_refuses_to_start_with_debug_off(tmp_path, key, reason):
    result = _start(tmp_path, DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="mengkeju.example.cn")
    assert result.returncode != 0
    assert f"ImproperlyConfigured: SECRET_KEY: {reason}; refusing to start with DEBUG off" in result.stderr
    assert key not in result.stderr  # the message never repeats the key itself


def test_a_weak_secret_key_from_a_file_is_refused_too(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("change-me\n")
    result = _start(tmp_path, DEBUG="0", SECRET_KEY_FILE=str(key_file), ALLOWED_HOSTS="mengkeju.example.cn")
    assert "SECRET_KEY: too short" in result.stderr and result.returncode != 0


def test_a_strong_secret_key_starts_and_development_keeps_any_key(tmp_path):
    assert _start(tmp_path, DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="mengkeju.example.cn").returncode == 0
    result = _start(tmp_path, DEBUG="1", SECRET_KEY="dev")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CELERY_VISIBILITY_TIMEOUT": "100"}, "CELERY_VISIBILITY_TIMEOUT: must be above CELERY_TASK_TIME_LIMIT"),
        ({"CELERY_TASK_SOFT_TIME_LIMIT": "100"}, "CELERY_TASK_SOFT_TIME_LIMIT: must be below CELERY_TASK_TIME_LIMIT"),
        ({"CELERY_BROKER_CONNECT_TIMEOUT": "0"}, "CELERY_BROKER_CONNECT_TIMEOUT: must be at least 1"),
        ({"MATCHING_RUN_STALL_SECONDS": "10"}, "MATCHING_RUN_STALL_SECONDS: must be at least 60"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT: must be kv or json"),
    ],
)
def test_worker_and_log_settings_are_checked(tmp_path, env, message):
    result = _start(tmp_path, **env)
    assert result.returncode != 0 and message in result.stderr


def test_worker_defaults_recover_a_killed_task_within_a_couple_of_minutes(tmp_path):
    code = (
        "from mengkeju import settings as s;"
        "o = s.CELERY_BROKER_TRANSPORT_OPTIONS;"
        "print(s.CELERY_TASK_TIME_LIMIT, o['visibility_timeout'], o['unacked_restore_interval'],"
        " o['unacked_restore_throttle'], s.CELERY_BROKER_CONNECTION_TIMEOUT)"
    )
    result = _start(tmp_path, code)
    limit, visibility, interval, throttle, connect = map(int, result.stdout.split())
    assert limit < visibility and visibility + interval * throttle <= 150 and connect <= 3


def test_every_task_stops_before_the_broker_would_hand_it_to_a_second_worker():
    """Each task's soft limit < hard limit < visibility timeout (a soft limit above the hard one makes
    Celery refuse to send the task; a hard limit above the visibility timeout runs it twice)."""
    from django.conf import settings

    from mengkeju.celery import app

    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert {"matching.tasks.match_run_chunk", "mengkeju.notifications.tasks.resend_pending_mail"} <= set(ours)
    for name, task in ours.items():
        hard = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        soft = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
        assert soft < hard < settings.CELERY_VISIBILITY_TIMEOUT, (name, soft, hard)
