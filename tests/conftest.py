"""Fixtures shared by the whole suite.  Names here are a contract: other conftests build on them.

The cast (function-scoped, the same people every time; every cast member's password is
``tests.factories.PASSWORD``):

=====================  ============================================================
``org_a``, ``org_b``   enterprises A and B (verified, valid credit codes)
``uni_u``, ``uni_v``   universities U and V
``owner``              enterprise member of A
``colleague``          enterprise member of A (same organization as ``owner``)
``outsider``           enterprise member of B
``researcher``         researcher of U
``researcher_outsider`` researcher of V
``broker``             technology broker (no organization)
``admin``              platform admin: in the ``admin`` group, ``is_staff``, not a superuser
``anonymous``          ``AnonymousUser()``
``cast``               dict of all of the above users by fixture name
=====================  ============================================================

Helpers:

- ``client_for(user)`` → a ``django.test.Client`` logged in as ``user`` (anonymous: a plain client).
- ``require_services("postgres", "redis", "chromium")`` → skips, or fails when
  ``MENGKEJU_REQUIRE_SERVICES=1``, if one of them is not available.
- ``celery_worker_process`` (session) — a real ``celery worker`` subprocess on PostgreSQL + Redis,
  consuming this session's private queue; use it from tests marked ``services`` with
  ``@pytest.mark.django_db(transaction=True)`` so the worker sees committed rows.

Markers (declared in pyproject.toml) are enforced before each test runs:

- ``postgres``: the default database must be PostgreSQL (``DATABASE_URL=postgres://...``);
- ``services``: PostgreSQL and Redis (``REDIS_URL``) must be reachable; tasks are *not* made eager;
- ``browser``: Debian chromium (``/usr/bin/chromium`` or ``MENGKEJU_CHROMIUM``) and Playwright.

Transactional tests (``transaction=True`` or ``live_server``) get the seeded industry clusters,
cooperation modes and starter synonyms back before they run (a flush between transactional tests
deletes them), and this process reloads its analyser.

A missing service skips the test, or fails it when ``MENGKEJU_REQUIRE_SERVICES=1`` (as in CI, where
any skipped test also fails the run).  Every test *not* marked ``services`` runs Celery tasks eagerly
in-process, even when ``REDIS_URL`` is set.  Test packages need an ``__init__.py`` (test modules in
different folders share base names such as ``test_views.py``); import helpers as ``tests.factories``.
"""

import importlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from tests.factories import PASSWORD, OrganizationFactory, UniversityFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("MENGKEJU_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("MENGKEJU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Tasks sent by this test session go to a queue of its own, so a developer's `make worker` on the same
# Redis cannot take them, and `celery_worker_process` consumes only them.
TEST_QUEUE = f"mengkeju-test-{os.getpid()}"


# --- services ---------------------------------------------------------------------------------------


def _postgres_problem() -> str | None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    import psycopg

    try:
        psycopg.connect(
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable: {exc}"
    return None


def _redis_problem() -> str | None:
    from django.conf import settings

    if not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://..."
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {settings.REDIS_URL}: {exc}"
    return None


def _chromium_problem() -> str | None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"needs chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs Playwright for Python (pip install playwright)"
    return None


_CHECKS = {"postgres": _postgres_problem, "redis": _redis_problem, "chromium": _chromium_problem}
_problems: dict[str, str | None] = {}


def service_problem(name: str) -> str | None:
    if name not in _problems:
        _problems[name] = _CHECKS[name]()
    return _problems[name]


def require(*names: str) -> None:
    """Skip the running test, or fail it under MENGKEJU_REQUIRE_SERVICES=1, unless all services are there."""
    for name in names:
        problem = service_problem(name)
        if problem:
            if REQUIRE_SERVICES:
                pytest.fail(f"{problem} (MENGKEJU_REQUIRE_SERVICES=1)", pytrace=False)
            pytest.skip(problem)


@pytest.fixture
def require_services():
    return require


def pytest_configure(config):
    from mengkeju.celery import app

    # whitenoise looks for STATIC_ROOT, which only `collectstatic` (make run) creates
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning:django.core.handlers.base")

    app.conf.task_default_queue = TEST_QUEUE


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") or item.get_closest_marker("services"):
        require("postgres")
    if item.get_closest_marker("services"):
        require("redis")
    if item.get_closest_marker("browser"):
        require("chromium")


def pytest_sessionfinish(session, exitstatus):
    """In CI (MENGKEJU_REQUIRE_SERVICES=1) a skipped test is a test that did not run: fail the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if REQUIRE_SERVICES and skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write_line(
            f"MENGKEJU_REQUIRE_SERVICES=1: {len(skipped)} test(s) skipped; every test must run in CI.", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _celery_eager_unless_services(request):
    """Run tasks in-process for ordinary tests, even when REDIS_URL is set; `services` tests use Redis."""
    from mengkeju.celery import app

    if request.node.get_closest_marker("services"):
        yield
        return
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def seed_reference_data() -> None:
    """Industry clusters, cooperation modes, the starter synonyms and the regions, as the data migrations create them
    (idempotent); the analyser of this process then reloads the synonyms, as a worker process would."""
    from django.apps import apps

    from mengkeju.lib.textanalysis import reset_default_analyzer

    importlib.import_module("mengkeju.core.migrations.0002_seed_clusters_and_modes").forward(apps, None)
    importlib.import_module("matching.migrations.0003_seed_synonyms").forward(apps, None)
    importlib.import_module("mengkeju.regions.migrations.0002_seed_inner_mongolia").forward(apps, None)
    importlib.import_module("matching.migrations.0011_seed_concept_links").forward(apps, None)
    reset_default_analyzer()


@pytest.fixture(autouse=True)
def _reseed_transactional_tests(request):
    """A transactional test (``transaction=True``, ``live_server``) starts from a flushed database, which
    lost the rows of data migrations; put them back (groups come back by post_migrate)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        seed_reference_data()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- mutation testing (`make mutation`) ----------------------------------------------------------------
# mutmut runs every mutant's tests in a new pytest session; migrating a new SQLite test database took most
# of a mutant's time (about 8 of 10 s on the shared machine).  Under mutmut (MUTANT_UNDER_TEST is set) the
# first session saves its freshly migrated database as a template (``VACUUM INTO``), and every session
# works on its own copy of it: the same pristine database, whatever an earlier mutant's tests did to theirs.
MUTATION_DB_DIR = Path(__file__).resolve().parent.parent / "var"
MUTATION_DB_TEMPLATE = MUTATION_DB_DIR / "mutmut-test-db.sqlite3"


def _mutation_db_copy() -> Path | None:
    """This session's copy of the template (``None`` outside mutmut or on another backend)."""
    from django.db import connections

    settings_dict = connections["default"].settings_dict
    if not os.environ.get("MUTANT_UNDER_TEST") or settings_dict["ENGINE"] != "django.db.backends.sqlite3":
        return None
    return MUTATION_DB_DIR / f"mutmut-test-db-{os.getpid()}.sqlite3"


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Under mutmut, tests without a database first (pytest-django puts them last): a mutant's run stops at
    its first failure (``-x``), and the rule tests that kill most mutants of a rule module take milliseconds."""
    if os.environ.get("MUTANT_UNDER_TEST"):
        items.sort(key=_uses_database)


def _uses_database(item) -> bool:
    fixtures = {"db", "transactional_db", "live_server", "django_db_setup"}
    return item.get_closest_marker("django_db") is not None or bool(fixtures & set(item.fixturenames))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """pytest-django's settings, plus, under mutmut, a test database file copied from the template."""
    work = _mutation_db_copy()
    if work is not None:
        from django.db import connections

        MUTATION_DB_DIR.mkdir(exist_ok=True)
        _remove_sqlite_files(work)
        connections["default"].settings_dict["TEST"]["NAME"] = str(work)
        if MUTATION_DB_TEMPLATE.exists():
            shutil.copyfile(MUTATION_DB_TEMPLATE, work)


@pytest.fixture(scope="session")
def django_db_keepdb(django_db_keepdb, django_db_modify_db_settings):
    """Keep (do not migrate again) a test database copied from the mutation template."""
    work = _mutation_db_copy()
    return django_db_keepdb or (work is not None and work.exists())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, django_db_keepdb):
    """pytest-django's set-up; under mutmut the first migrated database becomes the template, and this
    session's copy is removed at the end (pytest-django removes a database it created itself)."""
    work = _mutation_db_copy()
    if work is not None and not MUTATION_DB_TEMPLATE.exists():
        from django.db import connection

        partial = MUTATION_DB_DIR / f"mutmut-test-db-template-{os.getpid()}.sqlite3"
        partial.unlink(missing_ok=True)
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(partial)])
        partial.replace(MUTATION_DB_TEMPLATE)
    yield
    if work is not None and django_db_keepdb:
        _remove_sqlite_files(work)


def wait_for(predicate, timeout=60, step=0.2):
    """Poll ``predicate()`` every ``step`` seconds until it is true (→ True) or ``timeout`` seconds pass
    (→ False): what the real-worker tests wait on instead of sleeping a fixed time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def start_celery_worker(log_path, *, hostname):
    """Start a real ``celery worker --pool=solo`` on the test database and Redis, consuming TEST_QUEUE as
    ``hostname``; wait (≤ 60 s) for it to be ready and yield the process (its log at ``.log_path``), then
    terminate it (killed after 20 s).  Fails the test when the worker does not start."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    database_url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = os.environ | {"DATABASE_URL": database_url, "DB_CONN_MAX_AGE": "0"}
    command = [
        sys.executable,
        *("-m", "celery", "-A", "mengkeju", "worker", "--pool=solo", "--loglevel=INFO"),
        *("--queues", TEST_QUEUE, "--hostname", f"{hostname}@%h"),
        *("--without-gossip", "--without-mingle", "--without-heartbeat"),
    ]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=Path(__file__).resolve().parent.parent
        )
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log_path.read_text()[-3000:]}", pytrace=False)
            time.sleep(0.2)
        process.log_path = log_path
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, tmp_path_factory):
    """A real Celery worker process on the test database and Redis, consuming TEST_QUEUE."""
    require("postgres", "redis")
    yield from start_celery_worker(tmp_path_factory.mktemp("celery") / "worker.log", hostname=TEST_QUEUE)


def worker_round_trip(timeout: float = 60) -> None:
    """Wait until the worker has taken every task sent before this call: a no-op task (Celery's own
    ``celery.backend_cleanup``; nothing to clean with Redis results) goes through the same queue after them
    and its result comes back.  The solo worker takes one task at a time, in order, so this replaces
    "sleep and hope" when a test asserts that something did *not* happen."""
    from mengkeju.celery import app

    app.tasks["celery.backend_cleanup"].apply_async().get(timeout=timeout)


# --- the cast -----------------------------------------------------------------------------------------


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="企业A·呼和浩特绿能科技有限公司")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="企业B·包头稀土新材料有限公司")


@pytest.fixture
def uni_u(db):
    return UniversityFactory(name="大学U·内蒙古大学")


@pytest.fixture
def uni_v(db):
    return UniversityFactory(name="大学V·内蒙古工业大学")


@pytest.fixture
def owner(org_a):
    return UserFactory(username="owner", display_name="企业A·王经理", organization=org_a, role="enterprise")


@pytest.fixture
def colleague(org_a):
    return UserFactory(username="colleague", display_name="企业A·李工", organization=org_a, role="enterprise")


@pytest.fixture
def outsider(org_b):
    return UserFactory(username="outsider", display_name="企业B·赵总", organization=org_b, role="enterprise")


@pytest.fixture
def researcher(uni_u):
    return UserFactory(username="researcher", display_name="大学U·张教授", organization=uni_u, role="researcher")


@pytest.fixture
def researcher_outsider(uni_v):
    return UserFactory(
        username="researcher_outsider", display_name="大学V·刘教授", organization=uni_v, role="researcher"
    )


@pytest.fixture
def broker(db):
    return UserFactory(username="broker", display_name="技术经纪人·陈", role="broker")


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", display_name="平台管理员", role="admin")


@pytest.fixture
def anonymous():
    return AnonymousUser()


CAST = ("anonymous", "owner", "colleague", "outsider", "researcher", "researcher_outsider", "broker", "admin")


@pytest.fixture
def cast(request):
    return {name: request.getfixturevalue(name) for name in CAST}


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        if user is not None and user.is_authenticated:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def password():
    return PASSWORD


def chromium_launch_options() -> dict:
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def chromium():
    """A Playwright-driven Debian chromium, shared by the session (tests marked ``browser``)."""
    require("chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's ORM calls are still synchronous.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**chromium_launch_options())
            yield browser
            browser.close()
    finally:
        if saved is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
