"""Load the Nollywood catalogue export (`catalog/data/nigerian_movies.csv`, scraped from IMDb).

Upserts by IMDb id in one transaction: a second run over the same file changes nothing. What the
export gets wrong is cleaned on the way in (see `clean_plot`, `parse_year`, `split_names`), and
every skipped row is counted with its reason.
"""

import csv
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from catalog.cache import catalog_invalidate
from catalog.languages import guess_language
from catalog.models import CastRole, DatePrecision, Movie, MovieCast, MovieGenre, MovieLanguage, MovieType, Person
from catalog.services import people_for_names

REQUIRED_COLUMNS = ("title", "link", "year", "rating", "genre", "director", "stars", "show_desc")
OPTIONAL_COLUMNS = ("total_votes", "encoded_title")
PLACEHOLDER_PLOTS = ("add a plot in your language",)
PLACEHOLDER_PREFIXES = ("note: because this project is categorized as in development",)
SERIES_GENRES = {"talk-show", "reality-tv", "game-show"}
# IMDb files music videos under the genre "Music" and short films under "Short" (formats, not genres;
# "Musical" is a genre of feature films and stays a movie).
FORMAT_GENRES = {"music": MovieType.MUSIC_VIDEO, "short": MovieType.SHORT}
# A title the previous importer stored as a movie (it knew no other type) may become one of these.
RECLASSIFIABLE = {MovieType.SHORT, MovieType.MUSIC_VIDEO}
SERIES_TITLE = re.compile(r"\bseason\s+\d+\b", re.IGNORECASE)
IMDB_ID = re.compile(r"\b(tt\d{5,12})\b")
READ_ALL = re.compile(r"\s*(?:\.\.\.|…)?\s*Read all\s*")
YEAR_RANGE = (1870, 2100)
BATCH = 500
ANALYZE_AFTER = 500
_CLEAN_GIN_PENDING_LISTS = """
    SELECT gin_clean_pending_list(index.indexrelid)
    FROM pg_index AS index
    JOIN pg_class AS relation ON relation.oid = index.indexrelid
    JOIN pg_am AS method ON method.oid = relation.relam
    WHERE method.amname = 'gin'
      AND index.indrelid IN (
          'movies'::regclass, 'movie_titles'::regclass, 'movie_genres'::regclass, 'movie_cast'::regclass
      )
"""

# Fields the file fills; a blank value in the file never erases what is stored.
SCALAR_FIELDS = (
    "title",
    "release_date",
    "release_date_precision",
    "plot_summary",
    "director",
    "imdb_rating",
    "imdb_votes",
)


class CatalogueFormatError(Exception):
    """The file is not the catalogue export (unreadable, or not the expected columns)."""


def text(value) -> str:
    """NFC, trimmed, inner whitespace collapsed (the export mixes decomposed accents and stray spaces)."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


MIN_REPEATED = 20  # shorter texts that repeat ("Ha ha ha") are left alone


def _unrepeat(value: str) -> str:
    """`XX` or `XXX`, glued or space-separated (the export repeats plots) → `X`."""
    for times in (3, 2):
        size, rest = divmod(len(value), times)
        if not rest and size >= MIN_REPEATED and value == value[:size] * times:
            return value[:size].strip()
        words = value.split(" ")
        step, rest = divmod(len(words), times)
        if not rest and step:
            chunks = {" ".join(words[i * step : (i + 1) * step]) for i in range(times)}
            if len(chunks) == 1 and len(value) >= MIN_REPEATED * times:
                return chunks.pop()
    return value


def clean_plot(raw: str) -> tuple[str, list[str]]:
    """The plot without the export's noise, and the names of the rules that applied."""
    value = text(raw)
    applied = []
    if value.casefold() in PLACEHOLDER_PLOTS or value.casefold().startswith(PLACEHOLDER_PREFIXES):
        return "", ["placeholder plot"]
    if "Read all" in value:
        # "<teaser>... Read all<longer>... Read all<full>": keep the most complete version.
        pieces = READ_ALL.split(value)
        truncated = [index < len(pieces) - 1 for index in range(len(pieces))]
        candidates = [(len(_unrepeat(p)), _unrepeat(p), cut) for p, cut in zip(pieces, truncated, strict=True) if p]
        _, value, cut = max(candidates, key=lambda item: item[0]) if candidates else (0, "", False)
        if cut and value:
            value = value.rstrip(".… ") + "…"
        applied.append("'Read all' teaser")
    unrepeated = _unrepeat(value)
    if unrepeated != value:
        applied.append("repeated plot")
    return unrepeated, applied


def parse_year(raw: str) -> int | None:
    """`2021.0` / `2021` → 2021; blank → None; anything else raises ValueError."""
    value = text(raw)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(value)
    year = int(number)
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise ValueError(value)
    return year


def split_names(raw: str) -> list[str]:
    """`"A, B,  b , "` → `["A", "B"]`: comma list, blanks and case-insensitive repeats dropped."""
    seen, names = set(), []
    for part in (raw or "").split(","):
        name = text(part)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def _join_within(names: list[str], limit: int) -> str:
    """As many names as fit in the column (all of them are kept as cast rows anyway)."""
    out = ""
    for name in names:
        candidate = f"{out}, {name}" if out else name
        if len(candidate) > limit:
            break
        out = candidate
    return out


def _decimal_rating(raw: str) -> Decimal | None:
    try:
        value = Decimal(text(raw)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        return None
    return value if 0 <= value <= 10 else None


def _votes(raw: str) -> int | None:
    digits = text(raw).replace(",", "")
    return int(digits) if digits.isdigit() and int(digits) < 2_000_000_000 else None


@dataclass
class ParsedRow:
    imdb_id: str
    fields: dict
    genres: list[str]
    cast: list[tuple[str, str]]  # (name, role_type), in credit order
    notes: list[str]
    language: str | None = None  # guessed from the title (catalog.languages), never from the plot


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)
    cleaned: Counter = field(default_factory=Counter)
    types: Counter = field(default_factory=Counter)  # the file's titles by type
    guessed_languages: Counter = field(default_factory=Counter)  # languages written from a guess
    people: int = 0  # people in the catalogue after the import
    first_skipped_line: dict = field(default_factory=dict)

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())


def parse_row(row: dict) -> ParsedRow | str:
    """A clean row, or the reason it must be skipped."""
    if None in row:
        return "malformed row (more fields than columns)"
    match = IMDB_ID.search(row.get("link") or "") or IMDB_ID.search(row.get("encoded_title") or "")
    if not match:
        return "no IMDb id in link"
    title = text(row.get("title"))
    if not title:
        return "missing title"
    if len(title) > 500:
        return "title longer than 500 characters"
    notes = []
    try:
        year = parse_year(row.get("year"))
    except ValueError:
        year = None
        notes.append("unreadable year dropped")
    if year is not None and text(row.get("year")) != str(year):
        notes.append("float year")
    plot, applied = clean_plot(row.get("show_desc"))
    notes += applied
    genres = split_names(row.get("genre"))
    directors = split_names(row.get("director"))
    stars = split_names(row.get("stars"))
    movie_type = title_type(title, genres)
    fields = {
        "title": title,
        "type": movie_type,
        "release_date": date(year, 1, 1) if year else None,
        "release_date_precision": DatePrecision.YEAR if year else DatePrecision.DAY,
        "plot_summary": plot,
        "director": _join_within(directors, 255),
        "imdb_rating": _decimal_rating(row.get("rating")),
        "imdb_votes": _votes(row.get("total_votes")),
    }
    cast = [(name[:255], CastRole.DIRECTOR) for name in directors] + [(name[:255], CastRole.ACTOR) for name in stars]
    # A music video's title names a song; its language says nothing about the lyrics'.
    language = guess_language(title) if movie_type != MovieType.MUSIC_VIDEO else None
    return ParsedRow(
        imdb_id=match.group(1),
        fields=fields,
        genres=[g[:100] for g in genres],
        cast=cast,
        notes=notes,
        language=language,
    )


def title_type(title: str, genres: list[str]) -> str:
    """series (TV formats, `Season N`), music_video ("Music"), short ("Short"), else movie."""
    folded = {genre.casefold() for genre in genres}
    if SERIES_TITLE.search(title) or folded & SERIES_GENRES:
        return MovieType.SERIES
    for genre, movie_type in FORMAT_GENRES.items():
        if genre in folded:
            return movie_type
    return MovieType.MOVIE


def read_catalogue(path: Path, report: ImportReport, progress=None) -> list[ParsedRow]:
    """Every importable row of the file, checking the columns before anything else happens."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [text(name) for name in (reader.fieldnames or [])]
            missing = [name for name in REQUIRED_COLUMNS if name not in columns]
            if missing:
                raise CatalogueFormatError(
                    f"{path} is not the catalogue export: missing column(s) {', '.join(missing)}. "
                    f"Expected {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}; "
                    f"found {', '.join(columns) or 'no header at all'}. Nothing was imported."
                )
            reader.fieldnames = columns
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise CatalogueFormatError(f"{path} is not UTF-8 text ({exc.reason}). Nothing was imported.") from exc
    except csv.Error as exc:
        raise CatalogueFormatError(f"{path} is not readable CSV ({exc}). Nothing was imported.") from exc
    parsed, seen = [], set()
    for line, row in enumerate(progress(rows) if progress else rows, start=2):
        result = parse_row(row)
        if isinstance(result, ParsedRow) and result.imdb_id in seen:
            result = "duplicate IMDb id in file"
        if isinstance(result, str):
            report.skipped[result] += 1
            report.first_skipped_line.setdefault(result, line)
            continue
        seen.add(result.imdb_id)
        report.cleaned.update(result.notes)
        report.types[result.fields["type"]] += 1
        parsed.append(result)
    return parsed


def _merge(movie: Movie, fields: dict) -> list[str]:
    """Apply the file's values to a stored movie; the names of the fields that really changed."""
    changed = []
    if movie.type == MovieType.MOVIE and fields["type"] in RECLASSIFIABLE:
        movie.type = fields["type"]
        changed.append("type")
    for name in SCALAR_FIELDS:
        value = fields[name]
        if value in (None, "") or (name == "release_date_precision" and fields["release_date"] is None):
            continue  # a blank in the file never erases stored data
        if getattr(movie, name) != value:
            setattr(movie, name, value)
            changed.append(name)
    return changed


def _stored_children(movie_ids) -> tuple[dict, dict, set]:
    """Genres and cast by movie id, and the ids of movies with any language."""
    genres, cast = {}, {}
    with_languages = set(MovieLanguage.objects.filter(movie_id__in=movie_ids).values_list("movie_id", flat=True))
    for movie_id, genre in MovieGenre.objects.filter(movie_id__in=movie_ids).values_list("movie_id", "genre"):
        genres.setdefault(movie_id, []).append(genre)
    for movie_id, name, role in (
        MovieCast.objects.filter(movie_id__in=movie_ids)
        .order_by("movie_id", "position", "id")
        .values_list("movie_id", "actor_name", "role_type")
    ):
        cast.setdefault(movie_id, []).append((name, role))
    return genres, cast, with_languages


def import_catalogue(path, *, progress=None, dry_run: bool = False) -> ImportReport:
    """Upsert the file's titles by IMDb id, all or nothing; returns what happened."""
    report = ImportReport()
    parsed = read_catalogue(Path(path), report, progress=progress)
    with transaction.atomic():
        existing = {
            movie.imdb_id: movie
            for movie in Movie.objects.filter(imdb_id__in=[row.imdb_id for row in parsed]).defer("search_vector")
        }
        stored_genres, stored_cast, with_languages = _stored_children([movie.pk for movie in existing.values()])
        now = timezone.now()
        new, changed, update_fields = [], [], set()
        genre_rows, cast_rows, language_rows, replace_genres, replace_cast = [], [], [], set(), set()
        for row in parsed:
            movie = existing.get(row.imdb_id)
            if movie is None:
                movie = Movie(imdb_id=row.imdb_id, **row.fields)
                new.append(movie)
                write_genres = write_cast = True
                write_language = bool(row.language)
            else:
                fields_changed = _merge(movie, row.fields)
                write_genres = bool(row.genres) and sorted(stored_genres.get(movie.pk, [])) != sorted(row.genres)
                write_cast = bool(row.cast) and stored_cast.get(movie.pk, []) != row.cast
                # A guess only fills an empty list; languages an editor set are never replaced.
                write_language = bool(row.language) and movie.pk not in with_languages
                if not (fields_changed or write_genres or write_cast or write_language):
                    report.unchanged += 1
                    continue
                movie.updated_at = now
                update_fields.update(fields_changed)
                changed.append(movie)
                if write_genres:
                    replace_genres.add(movie.pk)
                if write_cast:
                    replace_cast.add(movie.pk)
            if write_genres:
                genre_rows += [MovieGenre(movie=movie, genre=genre) for genre in row.genres]
            if write_language:
                language_rows.append(MovieLanguage(movie=movie, language=row.language))
                report.guessed_languages[row.language] += 1
            if write_cast:
                cast_rows += [
                    MovieCast(movie=movie, actor_name=name, role_type=role, position=position)
                    for position, (name, role) in enumerate(row.cast)
                ]
        _write(new, changed, update_fields, genre_rows, cast_rows, replace_genres, replace_cast, progress)
        MovieLanguage.objects.bulk_create(language_rows, batch_size=5000)
        report.created, report.updated = len(new), len(changed)
        report.people = Person.objects.count()
        if dry_run:
            transaction.set_rollback(True)
        elif new or changed:
            touched = [movie.pk for movie in changed]
            transaction.on_commit(lambda: catalog_invalidate(touched))
    if not dry_run and len(new) + len(changed) >= ANALYZE_AFTER:
        # A bulk load leaves its GIN entries in the indexes' pending lists, which every search then
        # scans (and the planner, pricing that in, may prefer a sequential scan) until a vacuum
        # merges them: merge them now. Then fresh statistics, so the planner picks the GIN and
        # trigram indexes right away.
        with connection.cursor() as cursor:
            cursor.execute(_CLEAN_GIN_PENDING_LISTS)
            cursor.execute(
                "ANALYZE movies, movie_titles, movie_title_words, movie_title_word_keys, movie_genres, movie_cast"
            )
    return report


def _write(new, changed, update_fields, genre_rows, cast_rows, replace_genres, replace_cast, progress) -> None:
    batches = [new[i : i + BATCH] for i in range(0, len(new), BATCH)]
    for batch in progress(batches, unit="batch", desc="Writing") if progress and batches else batches:
        Movie.objects.bulk_create(batch)
    if changed:
        Movie.objects.bulk_update(changed, [*sorted(update_fields), "updated_at"], batch_size=BATCH)
    MovieGenre.objects.filter(movie_id__in=replace_genres).delete()
    MovieCast.objects.filter(movie_id__in=replace_cast).delete()
    # One statement per batch: the search-vector triggers run once per statement, not per row.
    MovieGenre.objects.bulk_create(genre_rows, batch_size=5000)
    # People resolved for all names at once (the cast trigger would do it row by row, 4x slower).
    people = people_for_names(names=[row.actor_name for row in cast_rows])
    for row in cast_rows:
        row.person_id = people[row.actor_name]
    MovieCast.objects.bulk_create(cast_rows, batch_size=5000)
