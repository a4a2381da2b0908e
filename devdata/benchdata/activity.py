"""Generated activity: reviews, votes, follows, watchlists and favourites, written with COPY.

Invariants the unique and check constraints also enforce (the generator never relies on them to
drop rows — every row it sends is valid): one review per (user, movie), one vote per (user,
review) and never on one's own review, one follow per pair and never oneself, one list entry per
(user, movie).
"""

import math

from devdata.benchdata import vocab
from devdata.benchdata.copyio import CopyWriter
from devdata.benchdata.sampling import allocate, cumulative_of, sample_distinct, weights_of, zipf_cumulative
from reviews.models import ModerationStatus, Review, ReviewVote, VoteType
from social.models import FavoriteEntry, Follow, WatchlistEntry

DAY = 86_400.0
REVIEW_FIELDS = [
    "id", "user", "movie", "lemon_pie_rating", "review_text", "review_language", "spoiler_warning",
    "cultural_authenticity_rating", "production_quality_rating", "story_rating", "acting_rating",
    "cinematography_rating", "nollywood_tags", "helpful_votes", "unhelpful_votes", "is_flagged",
    "moderation_status", "created_at", "updated_at",
]  # fmt: skip
TAG_COUNTS = (0, 0, 1, 1, 1, 2, 2, 3, 4)
# Columns the reviews app may keep per review that derive from the author (written when the model
# has them): `by_critic` = the author is a critic, which the reviews services read back later.
DERIVED_REVIEW_FIELDS = {"by_critic": lambda critic: "t" if critic else "f"}


def derived_review_fields() -> list[str]:
    names = {f.name for f in Review._meta.concrete_fields}
    return [name for name in DERIVED_REVIEW_FIELDS if name in names]


def _clip(value: float) -> int:
    rounded = int(value + 0.5) if value > 0 else 1
    return 1 if rounded < 1 else 10 if rounded > 10 else rounded


def _review_language(rng, locale_index: int, movie_language: str) -> str:
    x = rng.random()
    for code, p in vocab.LOCALE_REVIEW_LANGUAGES[vocab.NAME_LOCALES[locale_index]]:
        if x < p:
            return code
        x -= p
    # Viewers of a film in their own language sometimes answer in it.
    code = vocab.MOVIE_LANGUAGE_REVIEW_CODE[movie_language]
    if code != "en" and x < 0.08:
        return code
    return "en"


def write_reviews(gen) -> dict[str, int]:
    rng, text, fmt, now = gen.rng, gen.text, gen.fmt, gen.now
    gauss, random = rng.gauss, rng.random
    tags = vocab.NOLLYWOOD_TAGS
    approved, pending, rejected = ModerationStatus.APPROVED, ModerationStatus.PENDING, ModerationStatus.REJECTED
    counts = {"reviews": 0, "pending": 0, "rejected": 0, "last 7 days": 0}
    week_ago = now - 7 * DAY
    total = len(gen.r_user)
    derived = [DERIVED_REVIEW_FIELDS[name] for name in derived_review_fields()]
    with (
        gen._bar("reviews", total) as bar,
        CopyWriter(Review, REVIEW_FIELDS + derived_review_fields(), batch_size=gen.batch_size) as out,
    ):
        for i in range(total):
            u, m, t = gen.r_user[i], gen.r_movie[i], gen.r_time[i]
            critic = gen.u_critic[u]
            overall = _clip(gen.m_quality[m] + gen.u_bias[u] + gauss(0, 0.9 if critic else 1.1))
            base = 5 * m
            subs = "\t".join(str(_clip(overall + gen.m_sub[base + s] + gauss(0, 0.9))) for s in range(5))
            band = "pos" if overall >= 7 else "mixed" if overall >= 5 else "neg"
            language = _review_language(rng, gen.u_locale[u], gen.lang_names[gen.m_lang[m]])
            body = text.review(language=language, band=band, critic=critic)
            chosen = {tags[gen.m_tags[3 * m + rng.randrange(3)]] for _ in range(rng.choice(TAG_COUNTS))}
            if random() < 0.15:
                chosen.add(rng.choice(tags))
            if overall >= 9 and random() < 0.3:
                chosen.add("must-watch")
            x = random()
            status = pending if x < 0.006 else rejected if x < 0.01 else approved
            flagged = "t" if (status == pending and x < 0.005) or (status == approved and x > 0.998) else "f"
            if status != approved:
                counts[status] += 1
            if t >= week_ago:
                counts["last 7 days"] += 1
            edited = t + rng.expovariate(1 / (2 * DAY)) if random() < 0.1 else t
            h = gen.v_helpful[i]
            out.add(
                f"{gen.review_id(i)}\t{gen.user_ids[u]}\t{gen.movie_ids[m]}\t{overall}\t{body}\t{language}"
                f"\t{'t' if random() < 0.07 else 'f'}\t{subs}\t{{{','.join(sorted(chosen))}}}"
                f"\t{h}\t{gen.v_count[i] - h}\t{flagged}\t{status}\t{fmt(t)}\t{fmt(min(edited, now))}"
                + "".join(f"\t{value(critic)}" for value in derived)
            )
            if i % 1000 == 999:
                bar.update(1000)
        bar.update(total % 1000)
    counts["reviews"] = out.rows
    return counts


def _after(rng, low: float, now: float, mean_days: float) -> float:
    """A moment after `low` (exponential delay), never in the future; always two draws."""
    a, b = rng.random(), rng.random()
    t = low - math.log(1.0 - a) * mean_days * DAY
    return t if t < now else low + b * (now - low)


def _user_weights(gen, uniform_share: float):
    """Activity weights mixed with a uniform floor, so quiet users act now and then too."""
    act = weights_of(gen.act_cum)
    floor = uniform_share * gen.act_cum[-1] / len(act) if len(act) else 0.0
    return cumulative_of(w + floor for w in act)


def write_votes(gen) -> dict[str, int]:
    rng, fmt, now = gen.rng, gen.fmt, gen.now
    voter_cum = _user_weights(gen, 1.0)
    helpful, unhelpful = VoteType.HELPFUL, VoteType.UNHELPFUL
    total = sum(gen.v_count)
    written = 0
    with (
        gen._bar("votes", total) as bar,
        CopyWriter(ReviewVote, ["vote_type", "created_at", "review", "user"], batch_size=gen.batch_size) as out,
    ):
        for i, k in enumerate(gen.v_count):
            if not k:
                continue
            author = gen.r_user[i]
            review_id = gen.review_id(i)
            created = gen.r_time[i]
            h = gen.v_helpful[i]
            for j, voter in enumerate(sample_distinct(rng, voter_cum, k, exclude=author)):
                t = _after(rng, max(created, gen.u_created[voter]), now, 4)
                out.add(f"{helpful if j < h else unhelpful}\t{fmt(t)}\t{review_id}\t{gen.user_ids[voter]}")
            written += k
            if written >= 5000:
                bar.update(written)
                written = 0
        bar.update(written)
    return {"votes": out.rows}


def write_follows(gen) -> dict[str, int]:
    rng, fmt, now = gen.rng, gen.fmt, gen.now
    n = gen.sizes.users
    act = weights_of(gen.act_cum)
    mean = gen.act_cum[-1] / n if n else 1.0
    boost = [(20 if gen.u_critic[i] else 1) * (1 + act[i] / mean) ** 0.5 for i in range(n)]
    fame_cum = zipf_cumulative(rng, n, s=1.0, q=10, boost=boost.__getitem__)
    per_user = allocate(rng, gen.sizes.follows, _user_weights(gen, 0.5), cap=max(n - 1, 0))
    with (
        gen._bar("follows", gen.sizes.follows) as bar,
        CopyWriter(Follow, ["follower", "following", "created_at"], batch_size=gen.batch_size) as out,
    ):
        for u, k in enumerate(per_user):
            if not k:
                continue
            uc, uid = gen.u_created[u], gen.user_ids[u]
            for v in sample_distinct(rng, fame_cum, k, exclude=u):
                low = max(uc, gen.u_created[v])
                out.add(f"{uid}\t{gen.user_ids[v]}\t{fmt(low + rng.random() * (now - low))}")
            bar.update(k)
    return {"follows": out.rows}


def write_lists(gen) -> dict[str, int]:
    rng, fmt, now = gen.rng, gen.fmt, gen.now
    counts = {}
    for model, size, label in ((WatchlistEntry, gen.sizes.watchlist, "watchlist"),
                               (FavoriteEntry, gen.sizes.favorites, "favorites")):  # fmt: skip
        per_user = allocate(rng, size, _user_weights(gen, 1.0), cap=len(gen.movie_ids))
        with (
            gen._bar(label, size) as bar,
            CopyWriter(model, ["user", "movie", "added_at"], batch_size=gen.batch_size) as out,
        ):
            for u, k in enumerate(per_user):
                if not k:
                    continue
                uc, uid = gen.u_created[u], gen.user_ids[u]
                for m in sample_distinct(rng, gen.pop_cum, k):
                    low = max(uc, gen.m_lower[m])
                    low = min(low, now - 60.0)
                    out.add(f"{uid}\t{gen.movie_ids[m]}\t{fmt(low + rng.random() * (now - low))}")
                bar.update(k)
        counts[label] = out.rows
    return counts
