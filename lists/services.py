"""Every write to lists, their entries and likes, with the counters kept exact.

Counters: `film_lists.entry_count`, `film_lists.like_count` and `movie_list_counts.public_lists`
(how many public lists hold a film). Lock order: the list row, then the films' count rows in key
order; nothing else locks a list, so list writers never deadlock with review or diary writers.
Entry positions are dense (1..n); the (list, position) constraint is checked at commit, so a
reorder rewrites every position in one statement.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from catalog.cache import movie_detail_key
from catalog.models import Movie
from lemonnpie.api.exceptions import ApplicationError, NotFound
from lemonnpie.db.locking import locked_atomic
from lists.models import FilmList, FilmListEntry, FilmListLike, MovieListCount

LIST_FIELDS = ("title", "description", "ranked", "is_public")


def max_entries() -> int:
    return int(getattr(settings, "LIST_MAX_ENTRIES", 1000))


class PermissionDenied(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, error="permission_denied", status=403)


def _invalid(field: str, message: str, summary: str = "Invalid list change.") -> ApplicationError:
    return ApplicationError(summary, error="validation_error", details=[{"field": field, "message": message}])


def _lock_own_list(film_list_id, actor) -> FilmList:
    locked = FilmList.objects.select_for_update(no_key=True).filter(pk=film_list_id).first()
    if locked is None or (not locked.is_public and locked.user_id != getattr(actor, "pk", None)):
        raise NotFound("List not found.")
    if locked.user_id != getattr(actor, "pk", None):
        raise PermissionDenied("Only the owner may change this list.")
    return locked


def _move_public_counts(movie_ids, change: int) -> None:
    """Add `change` to each film's public-list count (rows locked in key order), then forget those
    films' cached details (the count is shown there)."""
    ids = sorted(set(movie_ids))
    if not ids or not change:
        return
    table = MovieListCount._meta.db_table
    with connection.cursor() as cursor:
        # One upsert, rows taken in key order (ORDER BY), so concurrent writers never cross.
        cursor.execute(
            f"INSERT INTO {table} (movie_id, public_lists) "  # noqa: S608 (model meta)
            "SELECT id, %s FROM unnest(%s::uuid[]) AS t(id) ORDER BY id "
            f"ON CONFLICT (movie_id) DO UPDATE SET public_lists = {table}.public_lists + %s",
            [max(change, 0), ids, change],
        )
    transaction.on_commit(lambda: cache.delete_many([movie_detail_key(movie_id) for movie_id in ids]))


def _list_movie_ids(film_list_id) -> list:
    return list(FilmListEntry.objects.filter(film_list_id=film_list_id).values_list("movie_id", flat=True))


def _clean_fields(fields: dict, *, service: str) -> dict:
    unknown = set(fields) - set(LIST_FIELDS)
    if unknown:
        raise ValueError(f"{service} got fields it does not set: {sorted(unknown)}")
    return fields


def list_create(*, user, import_key: str | None = None, **fields) -> FilmList:
    """A new, empty list owned by `user`."""
    _clean_fields(fields, service="list_create")
    return FilmList.objects.create(user_id=user.pk, import_key=import_key, **fields)


def list_update(*, film_list: FilmList, actor, **fields) -> FilmList:
    """Edit title, description, ranked, public (owner only); going public or private moves every
    entry's film count."""
    _clean_fields(fields, service="list_update")
    with locked_atomic():
        locked = _lock_own_list(film_list.pk, actor)
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, fields[name])
        locked.save(update_fields=[*changed, "updated_at"])
        if "is_public" in changed:
            _move_public_counts(_list_movie_ids(locked.pk), 1 if locked.is_public else -1)
    return locked


def list_delete(*, film_list: FilmList, actor) -> None:
    """Delete a list (owner only) and take its films out of the public-list counts."""
    with locked_atomic():
        locked = _lock_own_list(film_list.pk, actor)
        if locked.is_public:
            _move_public_counts(_list_movie_ids(locked.pk), -1)
        locked.delete()


def list_entries_add(*, film_list: FilmList, actor, items: list[dict], position: int | None = None) -> int:
    """Add films (`[{movie_id, note}]`, in order) at the end, or from `position` on (later entries
    move down). Films already on the list are left where they are. Returns how many were added;
    more than `max_entries()` in all → 400, an unknown film → 400."""
    with locked_atomic():
        locked = _lock_own_list(film_list.pk, actor)
        present = set(_list_movie_ids(locked.pk))
        new, seen = [], set()
        for item in items:
            movie_id = item["movie_id"]
            if movie_id in present or movie_id in seen:
                continue
            seen.add(movie_id)
            new.append(item)
        if not new:
            return 0
        if len(present) + len(new) > max_entries():
            raise _invalid("items", f"A list holds at most {max_entries()} films.")
        known = set(Movie.objects.filter(pk__in=seen).values_list("pk", flat=True))
        missing = [str(movie_id) for movie_id in seen if movie_id not in known]
        if missing:
            raise _invalid("items", f"Unknown movie ids: {', '.join(sorted(missing)[:5])}.")
        start = len(present) + 1
        if position is not None and 1 <= position <= len(present):
            FilmListEntry.objects.filter(film_list_id=locked.pk, position__gte=position).update(
                position=F("position") + len(new)
            )
            start = position
        FilmListEntry.objects.bulk_create(
            FilmListEntry(
                film_list_id=locked.pk, movie_id=item["movie_id"], note=item.get("note") or "", position=start + i
            )
            for i, item in enumerate(new)
        )
        FilmList.objects.filter(pk=locked.pk).update(entry_count=F("entry_count") + len(new))
        if locked.is_public:
            _move_public_counts(seen, 1)
    return len(new)


def list_entry_update(*, film_list: FilmList, actor, movie_id, note: str) -> FilmListEntry:
    with locked_atomic():
        locked = _lock_own_list(film_list.pk, actor)
        updated = FilmListEntry.objects.filter(film_list_id=locked.pk, movie_id=movie_id).update(note=note)
        if not updated:
            raise NotFound("This film is not on the list.")
    return FilmListEntry.objects.get(film_list_id=locked.pk, movie_id=movie_id)


def list_entry_remove(*, film_list: FilmList, actor, movie_id) -> None:
    """Take a film off the list (idempotent); later entries move up."""
    with locked_atomic():
        locked = _lock_own_list(film_list.pk, actor)
        rows = list(
            FilmListEntry.objects.filter(film_list_id=locked.pk, movie_id=movie_id).values_list("pk", "position")
        )
        if not rows:
            return
        FilmListEntry.objects.filter(pk=rows[0][0]).delete()
        FilmListEntry.objects.filter(film_list_id=locked.pk, position__gt=rows[0][1]).update(position=F("position") - 1)
        FilmList.objects.filter(pk=locked.pk).update(entry_count=F("entry_count") - 1)
        if locked.is_public:
            _move_public_counts([movie_id], -1)


def list_reorder(*, film_list: FilmList, actor, movie_ids: list) -> None:
    """Put the list in the order of `movie_ids`, which must name every film on it exactly once —
    one statement, whatever the size."""
    with locked_atomic():
        locked = _lock_own_list(film_list.pk, actor)
        present = _list_movie_ids(locked.pk)
        if len(movie_ids) != len(set(movie_ids)) or set(movie_ids) != set(present):
            raise _invalid("order", "Give every film on the list exactly once, in the new order.")
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {FilmListEntry._meta.db_table} e SET position = v.n "  # noqa: S608 (model meta)
                "FROM unnest(%s::uuid[]) WITH ORDINALITY AS v(movie_id, n) "
                "WHERE e.film_list_id = %s AND e.movie_id = v.movie_id AND e.position <> v.n",
                [list(movie_ids), locked.pk],
            )
        FilmList.objects.filter(pk=locked.pk).update(updated_at=timezone.now())


def list_like(*, film_list_id, user) -> bool:
    """Like a public list (or one's own); idempotent. Returns whether a like was added."""
    with locked_atomic():
        target = (
            FilmList.objects.select_for_update(no_key=True)
            .filter(pk=film_list_id)
            .values("user_id", "is_public")
            .first()
        )
        if target is None or (not target["is_public"] and target["user_id"] != user.pk):
            raise NotFound("List not found.")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FilmListLike._meta.db_table} (user_id, film_list_id, created_at) "  # noqa: S608
                "VALUES (%s, %s, now()) ON CONFLICT (user_id, film_list_id) DO NOTHING RETURNING id",
                [user.pk, film_list_id],
            )
            added = cursor.fetchone() is not None
        if added:
            FilmList.objects.filter(pk=film_list_id).update(like_count=F("like_count") + 1)
    return added


def list_unlike(*, film_list_id, user) -> bool:
    with locked_atomic():
        if not list(FilmList.objects.select_for_update(no_key=True).filter(pk=film_list_id).values_list("pk")):
            raise NotFound("List not found.")
        removed, _ = FilmListLike.objects.filter(user_id=user.pk, film_list_id=film_list_id).delete()
        if removed:
            FilmList.objects.filter(pk=film_list_id).update(like_count=F("like_count") - 1)
    return bool(removed)


# --- rows removed by cascades --------------------------------------------------------------------


def user_lists_remove(*, user) -> None:
    """Before a user row is deleted: delete their lists and likes through the services."""
    for film_list in FilmList.objects.filter(user_id=user.pk).order_by("pk"):
        list_delete(film_list=film_list, actor=user)
    for film_list_id in (
        FilmListLike.objects.filter(user_id=user.pk).order_by("film_list_id").values_list("film_list_id", flat=True)
    ):
        list_unlike(film_list_id=film_list_id, user=user)


def movie_lists_detach(*, movie_id) -> None:
    """Before a film row is deleted (its entries cascade): every list holding it loses one entry and
    the entries after it move up (lists locked in key order)."""
    rows = list(
        FilmListEntry.objects.filter(movie_id=movie_id).order_by("film_list_id").values_list("film_list_id", "position")
    )
    if not rows:
        return
    with locked_atomic():
        for film_list_id, position in rows:
            list(FilmList.objects.select_for_update(no_key=True).filter(pk=film_list_id).values_list("pk"))
            FilmListEntry.objects.filter(film_list_id=film_list_id, movie_id=movie_id).delete()
            FilmListEntry.objects.filter(film_list_id=film_list_id, position__gt=position).update(
                position=F("position") - 1
            )
            FilmList.objects.filter(pk=film_list_id).update(entry_count=F("entry_count") - 1)
