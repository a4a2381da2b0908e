"""Every write to the catalogue. Each one runs in one transaction and forgets the cached views of
what it changed once that transaction commits."""

from django.db import connection, transaction
from django.utils import timezone

from catalog import selectors
from catalog.cache import catalog_invalidate, movie_invalidate, trending_ids_set
from catalog.models import Movie, MovieCast, MovieGenre, MovieLanguage, Person, PersonName
from lemonnpie.api.exceptions import Conflict, NotFound

# Columns an editor may write. Everything else on the row (review aggregates, the generated
# rating, the search vector) is owned by other code and is never part of an UPDATE from here,
# so a concurrent review never has its counter change overwritten by an edit.
EDITABLE_FIELDS = (
    "type",
    "title",
    "local_title",
    "release_date",
    "release_date_precision",
    "runtime",
    "plot_summary",
    "poster_url",
    "trailer_url",
    "director",
    "producer",
    "production_company",
    "production_state",
    "box_office_ng",
    "is_featured",
    "imdb_id",
    "imdb_rating",
    "imdb_votes",
)


def _invalidate_on_commit(movie_id) -> None:
    transaction.on_commit(lambda: movie_invalidate(movie_id))


def _check_imdb_id_free(imdb_id, *, movie_id=None) -> None:
    if imdb_id and Movie.objects.filter(imdb_id=imdb_id).exclude(pk=movie_id).exists():
        raise Conflict(
            "Another title already has this IMDb id.",
            details=[{"field": "imdb_id", "message": "Another title already has this IMDb id."}],
        )


def _replace_children(movie: Movie, *, genres=None, languages=None, cast=None) -> None:
    """Replace whichever of the three lists is given (None leaves it as it is)."""
    if genres is not None:
        movie.genre_rows.all().delete()
        MovieGenre.objects.bulk_create([MovieGenre(movie=movie, genre=genre) for genre in genres])
    if languages is not None:
        movie.language_rows.all().delete()
        MovieLanguage.objects.bulk_create([MovieLanguage(movie=movie, language=lang) for lang in languages])
    if cast is not None:
        movie.cast_rows.all().delete()
        MovieCast.objects.bulk_create(
            [
                MovieCast(
                    movie=movie,
                    actor_name=member["actor_name"],
                    character_name=member.get("character_name", ""),
                    role_type=member.get("role_type", "actor"),
                    position=position,
                )
                for position, member in enumerate(cast)
            ]
        )


def _split(data: dict, *, allow_featured: bool) -> tuple[dict, dict]:
    fields = {name: data[name] for name in EDITABLE_FIELDS if name in data}
    if not allow_featured:
        fields.pop("is_featured", None)
    children = {name: data.get(name) for name in ("genres", "languages", "cast")}
    return fields, children


@transaction.atomic
def movie_create(*, data: dict, allow_featured: bool = False) -> Movie:
    """Create a movie with its genres, languages and cast, all or nothing."""
    fields, children = _split(data, allow_featured=allow_featured)
    _check_imdb_id_free(fields.get("imdb_id"))
    movie = Movie(**fields)
    movie.save()
    _replace_children(movie, **children)
    _invalidate_on_commit(movie.pk)
    return movie


@transaction.atomic
def movie_update(*, movie_id, data: dict, allow_featured: bool = False) -> Movie:
    """Change the given fields and replace the given lists under the movie's row lock, so two
    concurrent edits apply one after the other instead of interleaving their cast rows."""
    movie = Movie.objects.select_for_update().defer("search_vector").filter(pk=movie_id).first()
    if movie is None:
        raise NotFound("No such movie.")
    fields, children = _split(data, allow_featured=allow_featured)
    if "imdb_id" in fields:
        _check_imdb_id_free(fields["imdb_id"], movie_id=movie.pk)
    for name, value in fields.items():
        setattr(movie, name, value)
    movie.save(update_fields=[*fields, "updated_at"])
    _replace_children(movie, **children)
    _invalidate_on_commit(movie.pk)
    return movie


@transaction.atomic
def movie_delete(*, movie_id) -> None:
    """Delete a movie and everything hanging off it. Its approved reviews leave their authors'
    stored totals through the reviews app's pre_delete hook (reviews.services.movie_reviews_detach)."""
    movie = Movie.objects.select_for_update().only("pk").filter(pk=movie_id).first()
    if movie is None:
        raise NotFound("No such movie.")
    movie.delete()
    _invalidate_on_commit(movie_id)


POSTER_KEYS = ("url", "thumbnail", "medium", "large", "public_id")


@transaction.atomic
def movie_poster_set(*, movie_id, poster: dict | None) -> Movie:
    """Set (or, with None, remove) a movie's uploaded poster: `{url, thumbnail, medium, large,
    public_id}` as stored by `social.images.image_upload` (absolute URLs). Only this column and
    `updated_at` change, so a concurrent review keeps its counters."""
    value = {key: poster[key] for key in POSTER_KEYS} if poster else None
    changed = Movie.objects.filter(pk=movie_id).update(poster=value, updated_at=timezone.now())
    if not changed:
        raise NotFound("No such title.")
    _invalidate_on_commit(movie_id)
    return Movie.objects.defer("search_vector").get(pk=movie_id)


@transaction.atomic
def movie_set_featured(*, movie_ids, featured: bool) -> int:
    """Mark (or unmark) movies as featured; returns how many rows changed."""
    ids = list(Movie.objects.filter(pk__in=list(movie_ids)).exclude(is_featured=featured).values_list("pk", flat=True))
    changed = Movie.objects.filter(pk__in=ids).update(is_featured=featured, updated_at=timezone.now())
    transaction.on_commit(lambda: catalog_invalidate(ids))
    return changed


def trending_refresh(*, now=None) -> list[str]:
    """Recompute the trending ranking and cache it for TRENDING_TTL (beat runs this every
    `TRENDING_REFRESH_EVERY_SECONDS`, so readers normally never compute it themselves)."""
    ids = selectors.movie_trending_ids(now=now)
    trending_ids_set(ids)
    return ids


# --- people ---------------------------------------------------------------------------------


def people_for_names(*, names: list[str]) -> dict:
    """`{name: person_id}` for these cast names, making the people whose folded name
    (`lnp_person_key`) is new: what the cast trigger (catalog/sql/movie_cast_person.sql) does row by row, for a
    whole import in a few statements. Call it inside the transaction that writes the cast rows."""
    distinct = sorted(set(names))
    if not distinct:
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, lnp_person_key(name) FROM unnest(%s::text[]) AS name", [distinct])
        key_of = dict(cursor.fetchall())
    wanted = set(key_of.values())
    known = dict(PersonName.objects.filter(key__in=wanted).values_list("key", "person_id"))
    first_name: dict[str, str] = {}
    for name in distinct:  # the first spelling (in sorted order) names a new person
        first_name.setdefault(key_of[name], name)
    fresh = {key: Person(name=first_name[key]) for key in wanted - known.keys()}
    if fresh:
        Person.objects.bulk_create(fresh.values(), batch_size=5000)
        PersonName.objects.bulk_create(
            [PersonName(key=key, person_id=person.pk) for key, person in fresh.items()],
            batch_size=5000,
            ignore_conflicts=True,
        )
        # A name another transaction took meanwhile keeps that transaction's person.
        taken = dict(PersonName.objects.filter(key__in=list(fresh)).values_list("key", "person_id"))
        Person.objects.filter(pk__in=[p.pk for key, p in fresh.items() if taken[key] != p.pk]).delete()
        known.update(taken)
    return {name: known[key_of[name]] for name in distinct}


@transaction.atomic
def person_merge(*, into_id, person_ids) -> int:
    """Merge people into `into_id`: their credits and names move to it and they are deleted, so an
    import of any of their spellings finds the kept person. Returns how many people were merged."""
    others = [pk for pk in person_ids if str(pk) != str(into_id)]
    locked = list(
        Person.objects.select_for_update().filter(pk__in=[into_id, *others]).order_by("pk").values_list("pk", flat=True)
    )
    if str(into_id) not in {str(pk) for pk in locked}:
        raise NotFound("No such person.")
    merged = [pk for pk in locked if str(pk) != str(into_id)]
    movie_ids = list(MovieCast.objects.filter(person_id__in=merged).values_list("movie_id", flat=True).distinct())
    MovieCast.objects.filter(person_id__in=merged).update(person_id=into_id)
    PersonName.objects.filter(person_id__in=merged).update(person_id=into_id)
    Person.objects.filter(pk__in=merged).delete()
    transaction.on_commit(lambda: catalog_invalidate(movie_ids))  # details show each credit's person
    return len(merged)
