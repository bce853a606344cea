"""Browser pages under gunicorn at 20 concurrent clients, over N generated postings of each kind.

    python bench/pages.py --n 10000                                    # SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/pages.py --n 100000 --keepdb --match-needs 3000

1. A throw-away database (``--keepdb`` keeps it for the next run) gets N achievements and N/5 needs from
   ``bench/generate.py``, imported and published with ``import_postings --publish`` (timed: the import
   figure), then ``match --all`` fills the review queue (timed; ``--match-needs K``: only the first K needs,
   as a platform's queue holds the proposals of the needs not yet reviewed, not of all 20k).
2. gunicorn (``--workers 2`` sync workers on this 2-core machine, no request logging) serves that database.
3. For each page, 20 client threads request it in a loop for ``--seconds`` (default 5; at most 60 s for
   all pages together) over keep-alive-less HTTP/1.1 on loopback; signed-in pages use a session cookie made in the
   database. Each response's server time is read from the ``Server-Timing`` header when the app sends one,
   otherwise the client-side time (server time plus loopback, an upper bound) is used.
4. Baseline, measured in the same run with the same clients: a static file served by whitenoise through
   the same gunicorn (the floor of the stack).

Prints per page: requests, errors, requests per second, p50 / p95 / max in ms, the p95 target (≤ 150 ms)
and the ratio of p95 to the baseline's p95; writes ``bench/results/pages.json``. Needs nothing outside
this repository.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import ROOT, django_on_throwaway_db, percentile

TARGET_MS = 150.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(n: int, match_needs: int | None = None) -> dict:
    """Import N achievements and N // 5 needs (published), then match every need (``match --all``) or the
    first ``match_needs`` of them (one ``posting_match`` each); returns the timings in seconds."""
    from django.core.management import call_command
    from generate import write

    from matching import services
    from needs.models import TechnicalNeed

    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, count in (("achievement", n), ("need", max(1, n // 5))):
            path = Path(tmp) / f"{kind}s.jsonl"
            write(kind, count, path, seed=11)
            t = time.perf_counter()
            call_command("import_postings", str(path), kind=kind, publish=True, verbosity=0)
            times[f"import {count} {kind}s --publish"] = time.perf_counter() - t
    t = time.perf_counter()
    if match_needs is None:
        call_command("match", all=True, verbosity=0)
        times["match --all"] = time.perf_counter() - t
        return times
    ids = TechnicalNeed.objects.filter(status="published").order_by("pk").values_list("pk", flat=True)
    for need_id in ids[:match_needs]:
        services.posting_match(kind="need", posting_id=need_id, reindex=False)  # indexed by the import
    times[f"match {match_needs} needs"] = time.perf_counter() - t
    return times


def session_cookie(username: str, role_setup) -> str:
    """A signed-in session for ``username`` (created by ``role_setup``); returns the cookie header value."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    user = role_setup(username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def make_user(username: str, *, role: str, org_kind: str | None = None):
    """A user of ``role`` (a group of the same name), member of an organization of ``org_kind`` if given."""
    from django.contrib.auth.models import Group

    from mengkeju.core.models import Organization, User

    org = None
    if org_kind:
        org, _ = Organization.objects.get_or_create(name=f"bench-{username}-org", defaults={"kind": org_kind})
    user, _ = User.objects.get_or_create(username=username, defaults={"organization": org})
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


SERVER_TIMING = re.compile(r"dur=([0-9.]+)")


def hammer(url: str, *, cookie: str | None, clients: int, seconds: float) -> dict:
    """``clients`` threads GET ``url`` until ``seconds`` have passed; returns latencies (ms) and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        while time.monotonic() < deadline:
            request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                    timing = SERVER_TIMING.search(response.headers.get("Server-Timing", ""))
                elapsed = float(timing.group(1)) if timing else (time.perf_counter() - t) * 1000
                with lock:
                    latencies.append(elapsed)
            except (urllib.error.URLError, OSError) as exc:
                with lock:
                    errors.append(str(exc))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    return {"latencies": latencies, "errors": errors, "rps": len(latencies) / wall}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10000, help="achievements (needs: n / 5); default 10000")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0, help="per page; at most 60 s for all pages together")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--keepdb", action="store_true", help="keep the database and reuse it next time")
    parser.add_argument(
        "--match-needs", type=int, default=None, metavar="K",
        help="fill the review queue from the first K needs only (default: match --all, every need)",
    )  # fmt: skip
    args = parser.parse_args()
    args.seconds = min(args.seconds, 60.0)

    # the server must sign sessions with the key the benchmark signs its session cookies with
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    vendor = django_on_throwaway_db(keepdb=args.keepdb, keep_name=f"pages-{args.n}")
    from django.conf import settings
    from django.db import connection

    from achievements.models import Achievement
    from needs.models import TechnicalNeed

    print(f"backend {vendor}, {args.n} achievements, {max(1, args.n // 5)} needs")
    load_times = {}
    if Achievement.objects.filter(status="published").count() < args.n:
        load_times = {label: round(seconds, 1) for label, seconds in load(args.n, args.match_needs).items()}
        for label, seconds in load_times.items():
            print(f"  {label}: {seconds:.1f} s")
    need = TechnicalNeed.objects.filter(status="published").order_by("pk").first()
    achievement = Achievement.objects.filter(status="published").order_by("pk").first()
    broker = session_cookie("bench-broker", lambda u: make_user(u, role="broker"))
    enterprise = session_cookie("bench-enterprise", lambda u: make_user(u, role="enterprise", org_kind="enterprise"))

    db = settings.DATABASES["default"]
    if vendor == "sqlite":
        database_url = f"sqlite:///{db['NAME']}"
    else:
        database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    connection.close()
    port = free_port()
    env = os.environ | {"DATABASE_URL": database_url, "DEBUG": "0", "LOG_LEVEL": "WARNING"}  # no line per request
    env |= {"ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "0", "SECURE_SSL_REDIRECT": "0"}
    env.pop("REDIS_URL", None)  # no broker: pages only
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(collect, cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "mengkeju.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
         str(args.workers), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/static/css/mengkeju.css", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        pages = [
            ("baseline: static file", "/static/css/mengkeju.css", None),
            ("need library", "/needs/", None),
            ("achievement library", "/achievements/", None),
            ("filtered list", "/achievements/?cluster=1&maturity=pilot&sort=-published_at", None),
            ("search 石墨烯", "/achievements/?q=%E7%9F%B3%E5%A2%A8%E7%83%AF", None),
            ("search 2 words", "/needs/?q=%E7%85%A4%20%E5%82%AC%E5%8C%96", None),
            ("need detail", f"/needs/{need.pk}/", None),
            ("achievement detail", f"/achievements/{achievement.pk}/", None),
            ("review queue (broker)", "/deals/review/", broker),
            ("deal board (broker)", "/deals/board/", broker),
            ("workbench (enterprise)", "/workbench/", enterprise),
        ]
        results = {}
        # the whole load is bounded: at most 60 s of requests per run, shared by the pages
        args.seconds = min(args.seconds, 60.0 / len(pages))
        for name, path, cookie in pages:
            probe = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
            try:
                urllib.request.urlopen(probe, timeout=30).read()
            except urllib.error.HTTPError as exc:
                print(f"  {name:28s} {path}: HTTP {exc.code}, skipped (page not there in this version)")
                continue
            if cookie and "/accounts/login/" in urllib.request.urlopen(probe, timeout=30).geturl():
                raise SystemExit(f"{name}: the session cookie was not accepted (redirected to the login page)")
            results[name] = hammer(base + path, cookie=cookie, clients=args.clients, seconds=args.seconds)
        floor = percentile(results["baseline: static file"]["latencies"], 95)
        print(f"{args.clients} clients, {args.seconds:.0f} s per page, gunicorn --workers {args.workers}, {vendor}")
        print(f"{'page':28s} {'requests':>8s} {'errors':>6s} {'req/s':>7s} {'p50':>7s} {'p95':>7s} {'max':>7s}  target")
        for name, r in results.items():
            lat = r["latencies"]
            p95 = percentile(lat, 95)
            verdict = "met" if p95 <= TARGET_MS and not r["errors"] else "MISSED"
            print(
                f"{name:28s} {len(lat):8d} {len(r['errors']):6d} {r['rps']:7.1f} {percentile(lat, 50):7.1f} "
                f"{p95:7.1f} {max(lat):7.1f}  {verdict} (p95 {p95 / floor:.1f}x the static file)"
            )
        from results import load_average, record

        print(f"load average {load_average()}")
        out = record(
            "pages",
            backend=vendor,
            size=args.n,
            figures={f"{name} p95 ms": percentile(r["latencies"], 95) for name, r in results.items()},
            notes={
                "requests per second": {name: round(r["rps"], 1) for name, r in results.items()},
                "p50 ms": {name: round(percentile(r["latencies"], 50), 1) for name, r in results.items()},
                "errors": {name: len(r["errors"]) for name, r in results.items()},
                "clients": args.clients,
                "seconds per page": round(args.seconds, 1),
                "gunicorn workers": args.workers,
                "load": load_times,
            },
        )
        print(f"figures written to {out}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
