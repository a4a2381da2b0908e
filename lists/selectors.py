"""What the list endpoints read: ordered querysets with their joins done."""

from django.db.models import QuerySet

from lemonnpie.api.exceptions import NotFound
from lists.models import FilmList, FilmListEntry, MovieListCount
from social.selectors import parse_uuid

ORDERINGS = {
    "popular": ("-like_count", "-created_at", "-id"),
    "recent": ("-created_at", "-id"),
}


def _rows() -> QuerySet[FilmList]:
    return FilmList.objects.select_related("user")


def public_lists(*, ordering: str = "popular") -> QuerySet[FilmList]:
    """Public lists of active users, most liked (or newest) first."""
    return _rows().filter(is_public=True, user__is_active=True).order_by(*ORDERINGS[ordering])


def user_lists(*, owner, viewer) -> QuerySet[FilmList]:
    """A user's lists, newest first: all of them for the owner, the public ones for anyone else."""
    rows = _rows().filter(user_id=owner.pk)
    if getattr(viewer, "pk", None) != owner.pk:
        rows = rows.filter(is_public=True)
    return rows.order_by("-created_at", "-id")


def list_get(*, list_id, viewer) -> FilmList:
    """A list the viewer may see (public, or their own); anything else is 404."""
    film_list = _rows().filter(pk=parse_uuid(list_id), user__is_active=True).first()
    if film_list is None or (not film_list.is_public and film_list.user_id != getattr(viewer, "pk", None)):
        raise NotFound("List not found.")
    return film_list


def list_entries(*, film_list: FilmList) -> QuerySet[FilmListEntry]:
    return FilmListEntry.objects.filter(film_list_id=film_list.pk).select_related("movie").order_by("position", "id")


def movie_public_list_count(*, movie_id) -> int:
    return MovieListCount.objects.filter(movie_id=movie_id).values_list("public_lists", flat=True).first() or 0
