"""How good and how fast suggestions are, the word-by-word match against the whole-query trigram
match (README → "Suggestions: how the 20 ms target was reached").

    .venv/bin/python bench/suggestions_quality.py [--count 300] [--seed 11] [--database-url URL]

Types `count` random titles as the benchmark does (the first two words, at most 18 characters,
one slip: `bench.run.misspell`) and asks both ways, through the selectors, without the cache:
how many answers hold a title starting with the intended words, what share of the ten do, how
many hold the very title typed from, and each way's p50/p95 in milliseconds.
"""

import argparse
import os
import random
import secrets
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import django_setup, misspell, percentile  # noqa: E402


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def typed_titles(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(what is typed, the intended words, the id of the title typed from)."""
    from catalog.models import Movie

    ids = list(Movie.objects.order_by("id").values_list("id", flat=True))
    rng.shuffle(ids)
    out = []
    for pk, title in Movie.objects.filter(pk__in=ids[: count * 5]).values_list("id", "title"):
        intended = " ".join(title.split()[:2])[:18].strip()
        typed = misspell(intended, rng) if len(intended) >= 5 else intended
        if typed.casefold() != intended.casefold():
            out.append((typed, intended, str(pk)))
    return out[:count]


def measure(ask, cases) -> dict:
    ask(cases[0][0])  # connection and plans warm
    timings, starting, share, exact = [], 0, 0.0, 0
    for typed, intended, pk in cases:
        started = time.perf_counter()
        rows = ask(typed)
        timings.append((time.perf_counter() - started) * 1000)
        good = [row for row in rows if fold(row["title"]).startswith(fold(intended))]
        starting += bool(good)
        share += len(good) / max(1, len(rows))
        exact += any(str(row["id"]) == pk for row in rows)
    n = len(cases)
    return {
        "answers with a title starting with the intended words": f"{starting / n:.1%}",
        "share of the ten that start with the intended words": f"{share / n:.1%}",
        "answers with the very title typed from": f"{exact / n:.1%}",
        "p50 / p95 of the selector (ms)": f"{percentile(timings, 50):.1f} / {percentile(timings, 95):.1f}",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lnp_bench"),
    )
    args = parser.parse_args(argv)
    django_setup(
        {
            "DATABASE_URL": args.database_url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    from catalog import selectors

    cases = typed_titles(args.count, random.Random(args.seed))

    def by_trigrams(q):
        try:
            rows = selectors._titles_like_the_query(
                selectors.trigram_text(q), selectors.SUGGESTION_LIMIT, selectors._Budget()
            )
        except selectors._OutOfTime as out:  # the best found in the budget, as the view answers
            rows = out.rows
        return [selectors.MovieSuggestion.builder("movie__")(row) for row in rows]

    def by_words(q):
        return selectors.movie_suggestions(q=q)

    trigrams, words = measure(by_trigrams, cases), measure(by_words, cases)
    print(f"| {len(cases)} misspelt prefixes | whole-query trigrams | every word, one slip each |")
    print("|---|---:|---:|")
    for name in trigrams:
        print(f"| {name} | {trigrams[name]} | {words[name]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
