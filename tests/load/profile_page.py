"""Times one page in this process, without a server: where ``benchmark_pages`` says a page is slow,
this says why.

    python -m tests.load.profile_page /dashboard/ scale.nurse.all \\
        --database-url postgres://postgres@127.0.0.1:5432/tracker_perf_scale [--drawn] [--sql]

Logs ``user`` in (a nurse as if with their second step), asks for ``path`` once to warm up, then
prints the answer's size, its queries and their time in PostgreSQL, and the median and fastest of
``--times`` requests. ``--drawn`` empties the dashboard's kept lists before each request, so every
request draws the list again, as after a change (the kept findings, forms and cards stay: they are
kept whatever changes). ``--nothing-kept`` empties every cache. ``--poll`` asks as the dashboard's
30-second refresh does. ``--sql`` lists the slowest queries; ``--profile`` adds cProfile's top
functions. In ``path``, ``P1`` stands for the pk of ``scale.p00001``. Reads only (and the session).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

from tests.load.benchmark_pages import DEFAULT_DATABASE_URL, PATIENT, POLL
from tests.load.checkin_load import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("user")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--times", type=int, default=20)
    parser.add_argument("--drawn", action="store_true", help="draw the dashboard's list each time")
    parser.add_argument("--nothing-kept", action="store_true", help="empty every cache each time")
    parser.add_argument("--poll", action="store_true", help="ask as the 30-second refresh does")
    parser.add_argument("--sql", action="store_true", help="list the slowest queries")
    parser.add_argument("--profile", action="store_true", help="cProfile's top functions")
    args = parser.parse_args()

    os.environ.update(
        DJANGO_DEBUG="false", DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_LOG_LEVEL="WARNING"
    )
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.core.cache import caches
    from django.db import connection, reset_queries
    from django.test import Client

    from tests.factories import log_in_verified
    from tracker.models import Patient

    client = Client(HTTP_HOST="127.0.0.1")
    log_in_verified(client, get_user_model().objects.get(username=args.user))
    if "P1" in args.path:
        args.path = args.path.replace(
            "P1", str(Patient.objects.values_list("pk", flat=True).get(user__username=PATIENT))
        )
    headers = POLL if args.poll else {}

    def ask():
        if args.nothing_kept:
            for cache in caches.all():
                cache.clear()
        elif args.drawn:
            caches["worklists"].clear()
        response = client.get(args.path, headers=headers)
        if response.status_code not in (200, 204):
            raise SystemExit(f"{args.path} answered {response.status_code}")
        return response

    ask()
    connection.force_debug_cursor = True
    reset_queries()
    size = len(ask().content)
    queries = list(connection.queries)
    connection.force_debug_cursor = False
    in_database = sum(float(q["time"]) for q in queries) * 1000
    print(
        f"{args.path} as {args.user}: {size / 1024:.1f} KB, {len(queries)} queries,"
        f" {in_database:.1f} ms in the database"
    )
    if args.sql:
        for query in sorted(queries, key=lambda q: -float(q["time"]))[:8]:
            print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:160]}")
    took = []
    for _ in range(args.times):
        began = time.perf_counter()
        ask()
        took.append((time.perf_counter() - began) * 1000)
    print(
        f"median {statistics.median(took):.1f} ms, fastest {min(took):.1f} ms"
        f" ({args.times} requests)"
    )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(5):
            ask()
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
