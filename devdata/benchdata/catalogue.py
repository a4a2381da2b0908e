"""Generated titles: movie rows plus their genres, languages and cast, written with COPY."""

import heapq

from catalog.models import CastRole, DatePrecision, Movie, MovieCast, MovieGenre, MovieLanguage, MovieType
from devdata.benchdata import vocab
from devdata.benchdata.copyio import CopyWriter
from devdata.benchdata.sampling import cumulative_of, pick, sample_distinct, weights_of

MOVIE_FIELDS = [
    "id", "type", "title", "local_title", "release_date", "release_date_precision", "runtime", "plot_summary",
    "poster_url", "trailer_url", "director", "producer", "production_company", "production_state",
    "box_office_ng", "is_featured", "created_at", "updated_at",
]  # fmt: skip
LANGUAGE_LOCALE = {"English": "en_NG", "Yoruba": "yo_NG", "Igbo": "ig_NG", "Hausa": "ha_NG", "Pidgin": "en_NG"}
YOUTUBE_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def _companies(gen) -> tuple[str, ...]:
    rng = gen.rng
    names = {
        f"{rng.choice(vocab.COMPANY_WORDS)} {rng.choice(vocab.COMPANY_SUFFIXES)}"
        if rng.random() < 0.5
        else f"{rng.choice(gen.names.last[rng.choice(vocab.NAME_LOCALES)])} {rng.choice(vocab.COMPANY_SUFFIXES)}"
        for _ in range(600)
    }
    return tuple(sorted(names))


def _featured(gen, first: int) -> set[int]:
    """A dozen well-rated titles among the most popular generated ones."""
    pop = weights_of(gen.pop_cum)
    popular = heapq.nlargest(300, range(first, len(gen.movie_ids)), key=pop.__getitem__)
    good = [i for i in popular if gen.m_quality[i] >= 7.0]
    return set(good[:12])


def write_movies(gen) -> dict[str, int]:
    rng, text, fmt = gen.rng, gen.text, gen.fmt
    first = len(gen.existing_movies)
    total = len(gen.movie_ids)
    companies = list(_companies(gen))
    rng.shuffle(companies)  # then a few prolific studios make most films
    company_cum = cumulative_of(1 / (k + 3) for k in range(len(companies)))
    genre_names, genre_cum = [g[0] for g in vocab.GENRES], cumulative_of(g[1] for g in vocab.GENRES)
    featured = _featured(gen, first)
    counts = {"movies": 0, "movie genres": 0, "movie languages": 0, "movie cast": 0}
    batch = gen.batch_size
    with (
        gen._bar("movies", total - first) as bar,
        CopyWriter(Movie, MOVIE_FIELDS, batch_size=batch) as movies,
        CopyWriter(MovieGenre, ["movie", "genre"], batch_size=batch, parent=movies) as genres,
        CopyWriter(MovieLanguage, ["movie", "language"], batch_size=batch, parent=movies) as languages,
        CopyWriter(MovieCast, ["movie", "actor_name", "character_name", "role_type", "position"],
                   batch_size=batch, parent=movies) as cast,
    ):  # fmt: skip
        for i in range(first, total):
            movie_id = gen.movie_ids[i]
            language = gen.lang_names[gen.m_lang[i]]
            locale = LANGUAGE_LOCALE[language]
            series = rng.random() < 0.12
            release = gen.m_release[i]
            year_only = rng.random() < 0.1
            release_text = fmt(release)[:10]
            if year_only:
                release_text = release_text[:4] + "-01-01"
            runtime = rng.randint(35, 60) if series else rng.randint(75, 155)
            state = rng.choice(vocab.LANGUAGE_STATES[language]) if language in vocab.LANGUAGE_STATES else text.state()
            poster = (
                f"https://res.cloudinary.com/lemonnpie/image/upload/posters/{movie_id}.webp"
                if rng.random() < 0.85
                else ""
            )
            trailer = (
                "https://www.youtube.com/watch?v=" + "".join(rng.choices(YOUTUBE_CHARS, k=11))
                if rng.random() < 0.35
                else ""
            )
            box_office = f"₦{rng.lognormvariate(3, 1.2):.1f}m" if rng.random() < 0.12 else ""
            created = fmt(gen.m_created[i])
            movies.add(
                f"{movie_id}\t{MovieType.SERIES if series else MovieType.MOVIE}\t{text.title(language, locale)}"
                f"\t{text.local_title(language)}\t{release_text}"
                f"\t{DatePrecision.YEAR if year_only else DatePrecision.DAY}\t{runtime}\t{text.plot(locale)}"
                f"\t{poster}\t{trailer}\t{text.director()}\t{text.director()}"
                f"\t{companies[pick(rng, company_cum)]}\t{state}\t{box_office}\t{'t' if i in featured else 'f'}"
                f"\t{created}\t{created}"
            )
            counts["movies"] += 1
            for g in {pick(rng, genre_cum) for _ in range(rng.choice((1, 1, 2, 2, 3)))}:
                genres.add(f"{movie_id}\t{genre_names[g]}")
                counts["movie genres"] += 1
            langs = {language}
            if language != "English" and rng.random() < 0.3:
                langs.add("English")
            for lang in sorted(langs):
                languages.add(f"{movie_id}\t{lang}")
                counts["movie languages"] += 1
            first_names = gen.names.first[locale]
            for position, person in enumerate(sample_distinct(rng, gen.actor_cum, rng.randint(3, 6))):
                character = rng.choice(first_names)
                cast.add(f"{movie_id}\t{gen.names.people[person]}\t{character}\t{CastRole.ACTOR}\t{position}")
                counts["movie cast"] += 1
            bar.update(1)
    return counts
