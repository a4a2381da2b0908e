"""The benchmark data generator: users, movies, reviews, votes, follows, watchlists, favourites.

Shape of the data (all from one seeded `random.Random`):
- popularity is Zipf-Mandelbrot: movie rank k weighs 1/(k+5), so the top 1% of titles carry about
  half of all reviews; user activity rank k weighs 1/(k+20) (a few users write thousands of
  reviews, most write a handful or none); "fame" rank k weighs 1/(k+10) for follows, so some
  users have thousands of followers. Critics are pushed up both rankings.
- each movie has a latent quality and five sub-rating offsets; each user a harshness bias. The
  overall rating is quality + bias + noise, every sub-rating is overall + offset + noise, so they
  correlate with the overall and across a movie's reviews.
- time spans three years before `now`: older titles are imported at launch, newer ones when they
  are released (with a release-week burst of reviews), 5% of reviews fall in the last 7 days,
  votes and follows come after the rows they point at.

Rows go in with COPY in chunks of `batch_size`; per-row state lives in compact `array`s, so memory
stays around a few hundred MB at the full size. Review rows carry their exact vote counts (votes
are planned before reviews are written), and at the end `recompute_all_aggregates()` sets every
stored aggregate from the rows in SQL.
"""

import math
import random
import sys
import time
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from tqdm import tqdm

from accounts.models import Role, User
from catalog.models import Movie, MovieCast, MovieGenre, MovieLanguage, MovieTitle, MovieTitleWord, MovieTitleWordKey
from devdata.benchdata import vocab
from devdata.benchdata.activity import write_follows, write_lists, write_reviews, write_votes
from devdata.benchdata.aggregates import aggregate_drift, recompute_all_aggregates
from devdata.benchdata.catalogue import write_movies
from devdata.benchdata.copyio import CopyWriter
from devdata.benchdata.sampling import (
    TimestampFormatter,
    allocate,
    cumulative_of,
    pick,
    sample_distinct,
    uuid_prefix,
    weights_of,
    zipf_cumulative,
)
from devdata.benchdata.text import TextMaker
from reviews.models import Review, ReviewVote
from social.models import FavoriteEntry, Follow, WatchlistEntry

BENCH_PASSWORD = "Lemon-n-pie-bench-2026"  # noqa: S105 (documented password of every generated user)

DAY = 86_400.0
WINDOW = 3 * 365 * DAY
# Every table the run writes, its triggers' tables included (movie_titles and the title words):
# all are analysed, and vacuumed at the end (which also merges their GIN pending lists into the
# indexes).
TOUCHED_TABLES = (
    User,
    Movie,
    MovieTitle,
    MovieTitleWord,
    MovieTitleWordKey,
    MovieGenre,
    MovieLanguage,
    MovieCast,
    Review,
    ReviewVote,
    Follow,
    WatchlistEntry,
    FavoriteEntry,
)


class BenchDataError(ValueError):
    """Sizes that cannot be generated (the message says why)."""


@dataclass(frozen=True)
class BenchSizes:
    movies: int
    users: int
    reviews: int
    votes: int
    follows: int
    watchlist: int | None = None  # None → reviews // 5
    favorites: int | None = None  # None → reviews // 10

    def resolved(self) -> "BenchSizes":
        return BenchSizes(
            self.movies,
            self.users,
            self.reviews,
            self.votes,
            self.follows,
            self.reviews // 5 if self.watchlist is None else self.watchlist,
            self.reviews // 10 if self.favorites is None else self.favorites,
        )


def validate_sizes(sizes: BenchSizes, *, existing_movies: int) -> None:
    """Raise BenchDataError unless every requested row can exist under the unique constraints.
    Reviews, votes, follows and list entries are made by the generated users only."""
    for name in ("movies", "users", "reviews", "votes", "follows", "watchlist", "favorites"):
        value = getattr(sizes, name)
        if value is None or value < 0:
            raise BenchDataError(f"--{name} must be a non-negative integer (got {value}).")
    movies = existing_movies + sizes.movies
    users = sizes.users
    if sizes.reviews > users * movies:
        raise BenchDataError(
            f"--reviews {sizes.reviews} is more than one review per (user, movie) pair allows: "
            f"{users} generated users x {movies} movies = {users * movies}."
        )
    voters = max(users - 1, 0)
    if sizes.votes > sizes.reviews * voters:
        raise BenchDataError(
            f"--votes {sizes.votes} is more than one vote per (user, review) allows without voting on one's "
            f"own review: {sizes.reviews} reviews x {voters} other users = {sizes.reviews * voters}."
        )
    if sizes.follows > users * voters:
        raise BenchDataError(
            f"--follows {sizes.follows} is more than the {users * voters} possible (follower, followed) pairs "
            f"of {users} users without following oneself."
        )
    for name in ("watchlist", "favorites"):
        if getattr(sizes, name) > users * movies:
            raise BenchDataError(f"--{name} {getattr(sizes, name)} is more than {users} users x {movies} movies.")


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)


class BenchDataGenerator:
    def __init__(
        self,
        sizes: BenchSizes,
        *,
        seed: int,
        batch_size: int = 20_000,
        progress: bool = True,
        now: datetime | None = None,
    ):
        self.sizes = sizes.resolved()
        self.seed = seed
        self.batch_size = batch_size
        self.progress = progress
        self.rng = random.Random(seed)
        # Every time is drawn relative to `now` and no draw depends on its value, so the same seed on
        # the same starting database gives the same rows whenever it runs, shifted in time.
        self.now = (now or datetime.now(UTC)).timestamp()
        self.start = self.now - WINDOW
        self.fmt = TimestampFormatter()
        self.phases: list[Phase] = []
        self.drift: dict[str, int] = {}

    # --- plumbing ---------------------------------------------------------------------------
    def _bar(self, desc: str, total: int):
        return tqdm(
            total=total,
            desc=f"{desc:<22}",
            unit=" rows",
            unit_scale=True,
            disable=not self.progress,
            file=sys.stderr,
            mininterval=0.5,
            leave=True,
        )

    def _phase(self, name: str, fn) -> None:
        began = time.perf_counter()
        phase = Phase(name)
        phase.rows = fn() or {}
        phase.seconds = time.perf_counter() - began
        self.phases.append(phase)

    def _prefix(self, label: str, existing: int) -> str:
        # Fresh database + same seed → same ids; a second run on the same tables → different ids.
        return uuid_prefix(random.Random(f"{self.seed}:{label}:{existing}"))

    def run(self) -> list[Phase]:
        validate_sizes(self.sizes, existing_movies=Movie.objects.count())
        with transaction.atomic():
            with connection.cursor() as cursor:
                # FK checks run at the end of each COPY statement instead of piling up until commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("SET LOCAL work_mem = '128MB'")
            self._phase("prepare", self._prepare)
            self._phase("users", self._users)
            self._phase("movies", self._movies)
            self._phase("plan reviews & votes", self._plan)
            self._phase("reviews", self._reviews)
            self._phase("votes", self._votes)
            self._phase("follows", self._follows)
            self._phase("watchlist & favorites", self._lists)
            self._phase("analyze", self._analyze)
            self._phase("aggregates", self._aggregates)
        self._phase("vacuum analyze", self._vacuum)
        return self.phases

    # --- phases -----------------------------------------------------------------------------
    def _prepare(self):
        rng = self.rng
        self.names = vocab.build_name_pools(self.seed)
        people = len(self.names.people)
        self.actor_cum = zipf_cumulative(rng, people, s=0.9, q=3)
        self.director_cum = zipf_cumulative(rng, people, s=1.1, q=5)
        self.text = TextMaker(rng, self.names, self.actor_cum, self.director_cum)
        self.locale_cum = cumulative_of(vocab.NAME_LOCALE_WEIGHTS)
        self.existing_users = User.objects.count()
        existing = list(Movie.objects.order_by("id").values_list("id", "imdb_rating", "release_date"))
        self.existing_movies = existing
        self.m_prefix = self._prefix("movies", len(existing))
        self.u_prefix = self._prefix("users", self.existing_users)
        self.r_prefix = self._prefix("reviews", Review.objects.count())
        self.password_hash = make_password(BENCH_PASSWORD)
        return {"existing movies": len(existing), "existing users": self.existing_users}

    def _users(self):
        rng, n, text = self.rng, self.sizes.users, self.text
        self.user_ids = [f"{self.u_prefix}{i:012x}" for i in range(n)]
        self.act_cum = zipf_cumulative(rng, n, s=1.0, q=20)
        act = weights_of(self.act_cum)
        mean = (self.act_cum[-1] / n) if n else 1.0
        top = max(act) if n else 1.0
        self.u_created = array("d", bytes(8 * n))
        self.u_bias = array("f", bytes(4 * n))
        self.u_locale = bytearray(n)
        self.u_critic = bytearray(n)
        roles = [Role.USER] * n
        for i in range(n):
            r = rng.random()
            if r < 0.004 + 0.15 * act[i] / top:
                roles[i] = Role.CRITIC
                self.u_critic[i] = 1
            elif r > 0.9997:
                roles[i] = Role.MODERATOR
        if n >= 10 and Role.CRITIC not in roles:
            busiest = max(range(n), key=act.__getitem__)
            roles[busiest], self.u_critic[busiest] = Role.CRITIC, 1
        if n >= 20 and Role.MODERATOR not in roles:
            roles[rng.randrange(n)] = Role.MODERATOR
        fields = [
            "id",
            "email",
            "password",
            "name",
            "bio",
            "location",
            "avatar_url",
            "role",
            "is_active",
            "is_verified",
            "created_at",
            "updated_at",
        ]
        pending: list[tuple[str, str]] = []
        with self._bar("users", n) as bar, CopyWriter(User, fields, batch_size=self.batch_size) as out:
            for i in range(n):
                loc_index = pick(rng, self.locale_cum)
                locale = vocab.NAME_LOCALES[loc_index]
                self.u_locale[i] = loc_index
                first = rng.choice(self.names.first[locale])
                last = rng.choice(self.names.last[locale])
                local = f"{vocab.ascii_slug(first) or 'user'}.{vocab.ascii_slug(last) or 'ng'}{self.existing_users + i}"
                email = f"{local}@{rng.choice(vocab.EMAIL_DOMAINS)}"
                # Busy users joined early; sign-ups grow towards today.
                created = self.start + WINDOW * rng.random() ** 0.6 / (1 + max(0.0, act[i] / mean - 2) / 4)
                self.u_created[i] = created
                critic = self.u_critic[i]
                self.u_bias[i] = rng.gauss(-0.4, 0.5) if critic else rng.gauss(0.0, 0.9)
                bio = text.bio() if rng.random() < (0.95 if critic else 0.55) else ""
                location = text.location() if rng.random() < 0.8 else ""
                avatar = (
                    f"https://res.cloudinary.com/lemonnpie/image/upload/avatars/{self.user_ids[i]}.webp"
                    if rng.random() < 0.3
                    else ""
                )
                verified = "t" if critic or rng.random() < 0.85 else "f"
                ts = self.fmt(created)
                rest = (
                    f"\t{self.password_hash}\t{first} {last}\t{bio}\t{location}\t{avatar}\t{roles[i]}\tt"
                    f"\t{verified}\t{ts}\t{ts}"
                )
                pending.append((email, f"{self.user_ids[i]}\t{email}{rest}"))
                if len(pending) >= self.batch_size or i == n - 1:
                    self._write_users(out, pending)
                    bar.update(len(pending))
                    pending = []
        return {"users": n, "critics": sum(self.u_critic), "moderators": roles.count(Role.MODERATOR)}

    def _write_users(self, out: CopyWriter, rows: list[tuple[str, str]]) -> None:
        taken: set[str] = set()
        if self.existing_users:
            taken = set(User.objects.filter(email__in=[e for e, _ in rows]).values_list("email", flat=True))
        for email, line in rows:
            if email in taken:  # an older account already has this address: make ours distinct
                local, domain = email.split("@")
                line = line.replace(email, f"{local}.b{self.seed}@{domain}", 1)
            out.add(line)

    def _movie_attributes(self):
        """Numeric per-movie state for existing + generated titles (index < E: existing)."""
        rng = self.rng
        existing = self.existing_movies
        e, total = len(existing), len(existing) + self.sizes.movies
        self.movie_ids = [str(row[0]) for row in existing] + [
            f"{self.m_prefix}{i:012x}" for i in range(self.sizes.movies)
        ]
        self.m_quality = array("f", bytes(4 * total))
        self.m_sub = array("f", bytes(20 * total))
        self.m_lower = array("d", bytes(8 * total))
        self.m_recent = bytearray(total)
        self.m_lang = bytearray(total)
        self.m_tags = bytearray(3 * total)
        self.m_release = array("d", bytes(8 * total))
        self.m_created = array("d", bytes(8 * total))
        lang_names, lang_cum = [x[0] for x in vocab.MOVIE_LANGUAGES], cumulative_of(x[1] for x in vocab.MOVIE_LANGUAGES)
        # Release ages in years: an old-Nollywood bump ~20 years back, a streaming-era bump ~4 years back.
        ages = range(32)
        age_cum = cumulative_of(
            1 + 4 * math.exp(-(((a - 20) / 3) ** 2)) + 9 * math.exp(-(((a - 4) / 3.5) ** 2)) for a in ages
        )
        tag_index = {t: i for i, t in enumerate(vocab.NOLLYWOOD_TAGS)}
        for i in range(total):
            lang = pick(rng, lang_cum)
            self.m_lang[i] = lang
            if i < e:
                imdb, released = existing[i][1], existing[i][2]
                quality = float(imdb) if imdb is not None else rng.gauss(6.0, 1.4)
                release_ts = (
                    datetime(released.year, released.month, released.day, tzinfo=UTC).timestamp()
                    if released
                    else self.start - DAY
                )
                created = self.start
            else:
                quality = rng.gauss(6.2, 1.5)
                age = ages[pick(rng, age_cum)] + rng.random()
                release_ts = self.now - DAY * max(1 + rng.random() * 30, age * 365)
                if release_ts > self.start:
                    created = max(self.start, release_ts - rng.random() * 14 * DAY)
                elif rng.random() < 0.85:
                    created = self.start + rng.random() * 0.05 * WINDOW  # the launch import
                else:
                    created = self.start + rng.random() * WINDOW
            self.m_quality[i] = min(9.4, max(1.6, quality))
            budget = rng.gauss(0, 1)
            for s, extra in enumerate((0.0, 0.5 * budget, 0.0, 0.0, 0.6 * budget)):
                self.m_sub[5 * i + s] = rng.gauss(0, 0.7) + extra
            self.m_release[i] = release_ts
            self.m_created[i] = created
            self.m_lower[i] = max(self.start, created, release_ts)
            self.m_recent[i] = release_ts > self.start
            tags = rng.sample(range(len(vocab.NOLLYWOOD_TAGS)), 3)
            special = {"Hausa": "kannywood", "Yoruba": "yoruba-epic", "Igbo": "asaba-classic"}.get(lang_names[lang])
            if special and rng.random() < 0.7:
                tags[0] = tag_index[special]
            self.m_tags[3 * i : 3 * i + 3] = bytes(tags)
        boost = [
            math.exp(0.35 * (self.m_quality[i] - 6)) * (3 if i < e else 1) * (2 if self.m_recent[i] else 1)
            for i in range(total)
        ]
        self.pop_cum = zipf_cumulative(rng, total, s=1.0, q=5, boost=boost.__getitem__)
        self.lang_names = lang_names

    def _movies(self):
        self._movie_attributes()
        return write_movies(self)

    def _plan(self):
        """Who reviews what and when (sorted by time, so rows land in the order a live site writes
        them), then how many votes each review gets and how many of them are helpful."""
        rng, sizes = self.rng, self.sizes
        total_movies = len(self.movie_ids)
        per_user = allocate(rng, sizes.reviews, self.act_cum, cap=total_movies) if sizes.reviews else array("I")
        r_user, r_movie, r_time = array("I"), array("I"), array("d")
        with self._bar("plan reviews", sizes.reviews) as bar:
            for u, k in enumerate(per_user):
                if not k:
                    continue
                uc = self.u_created[u]
                for m in sample_distinct(rng, self.pop_cum, k):
                    r_user.append(u)
                    r_movie.append(m)
                    r_time.append(self._review_time(uc, m))
                bar.update(k)
        order = sorted(range(len(r_time)), key=r_time.__getitem__)
        self.r_user = array("I", map(r_user.__getitem__, order))
        self.r_movie = array("I", map(r_movie.__getitem__, order))
        self.r_time = array("d", map(r_time.__getitem__, order))
        del order, r_user, r_movie, r_time
        pop = weights_of(self.pop_cum)
        weights = array("d", bytes(8 * len(self.r_user)))
        for i in range(len(self.r_user)):
            w = math.sqrt(pop[self.r_movie[i]]) * rng.lognormvariate(0, 0.8)
            weights[i] = w * 4 if self.u_critic[self.r_user[i]] else w
        self.v_count = allocate(rng, sizes.votes, cumulative_of(weights), cap=max(sizes.users - 1, 0))
        del weights
        self.v_helpful = array("I", bytes(4 * len(self.v_count)))
        for i, k in enumerate(self.v_count):
            if k:
                p = min(0.97, max(0.05, rng.gauss(0.72, 0.18) + (0.1 if self.u_critic[self.r_user[i]] else 0)))
                if k <= 40:
                    self.v_helpful[i] = sum(rng.random() < p for _ in range(k))
                else:
                    self.v_helpful[i] = min(k, max(0, round(rng.gauss(k * p, math.sqrt(k * p * (1 - p))))))
        return {"planned reviews": len(self.r_user), "planned votes": sum(self.v_count)}

    def _review_time(self, user_created: float, movie: int) -> float:
        """When a user reviews a movie: after both exist; some in the last week, many in the
        release week of new titles. Always three draws, whatever the branch."""
        rng, now = self.rng, self.now
        x, a, b = rng.random(), rng.random(), rng.random()
        low = min(max(user_created, self.m_lower[movie]), now - 60.0)
        if x < 0.05:  # recent activity, so "trending" has a week to look at
            week = max(low, now - 7 * DAY)
            return week + a * (now - week)
        if x < 0.55 and self.m_recent[movie] and low <= self.m_release[movie] + DAY:
            burst = low - math.log(1.0 - a) * 6 * DAY  # release-week rush (exponential delay)
            if burst < now:
                return burst
        return low + b * (now - low)

    def _reviews(self):
        return write_reviews(self)

    def _votes(self):
        return write_votes(self)

    def _follows(self):
        return write_follows(self)

    def _lists(self):
        return write_lists(self)

    def _aggregates(self):
        changed = recompute_all_aggregates()
        self.drift = aggregate_drift()
        return {f"{k} set": v for k, v in changed.items()} | {f"{k} drift after": v for k, v in self.drift.items()}

    def _analyze(self):
        # Fresh statistics, or the planner treats the new tables as empty in the set-based updates.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self._table_list()}")
        return {}

    def _table_list(self) -> str:
        return ", ".join(connection.ops.quote_name(m._meta.db_table) for m in TOUCHED_TABLES)

    def _vacuum(self):
        tables = self._table_list()
        with connection.cursor() as cursor:
            # The set-based aggregate pass rewrote every movie and user row: FULL leaves each table as
            # compact as a fresh load (the peer's COPY gets that for free); without it the movies heap
            # was 5x its live size and a broad search read 5x the pages. VACUUM cannot run in a
            # transaction (e.g. inside a test case); ANALYZE can.
            cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (FULL, ANALYZE)'} {tables}")
        return {}

    def review_id(self, index: int) -> str:
        return f"{self.r_prefix}{index:012x}"
