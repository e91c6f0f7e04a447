"""``manage.py benchmark_engine [--count N] [--seed S] [--repeat R]``: engine speed on one core.

Not a test: it prints the measured rate, the corpus size and the triage distribution. The target is
at least 20,000 assessments per second.
"""

from __future__ import annotations

import platform

from django.core.management.base import BaseCommand, CommandError

from symptoms.benchmark import generate_corpus, run
from symptoms.rules import RULESET_VERSION

TARGET_PER_SECOND = 20_000


class Command(BaseCommand):
    help = "Measure triage-engine throughput (assessments per second, one core) on a random corpus."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=20_000, help="cases in the corpus")
        parser.add_argument("--seed", type=int, default=1, help="seed for random.Random")
        parser.add_argument("--repeat", type=int, default=3, help="timed passes over the corpus")

    def handle(self, *args, count: int, seed: int, repeat: int, **options) -> None:
        if count < 1 or repeat < 1:
            raise CommandError("--count and --repeat must be at least 1")
        corpus = generate_corpus(count, seed)
        result = run(corpus, repeat=repeat)
        write = self.stdout.write
        write(
            f"engine benchmark: {result.count} cases, seed {seed}, ruleset {RULESET_VERSION}, "
            f"Python {platform.python_version()}, one core"
        )
        write(
            f"assessments per second: {result.median_rate:,.0f} "
            f"(median of {repeat} passes; best {result.best_rate:,.0f}; "
            f"target {TARGET_PER_SECOND:,})"
        )
        write("triage distribution (last pass):")
        for level, n in result.distribution.items():
            write(f"  {level:<13} {n:>8}  {100 * n / result.count:5.1f} %")
        if result.median_rate < TARGET_PER_SECOND:
            write(self.style.WARNING("below the target"))
