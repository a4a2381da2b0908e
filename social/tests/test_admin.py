import pytest
from django.test import Client

from accounts.models import User
from social import services
from social.models import FavoriteEntry, Follow, WatchlistEntry
from social.tests.factories import FavoriteEntryFactory, FollowFactory, WatchlistEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_site(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    ("model", "factory"),
    [(Follow, FollowFactory), (WatchlistEntry, WatchlistEntryFactory), (FavoriteEntry, FavoriteEntryFactory)],
)
def test_admin_lists_rows_and_filters_per_user(admin_site, model, factory):
    row = factory()
    other = factory()
    opts = model._meta
    url = f"/admin/{opts.app_label}/{opts.model_name}/"
    response = admin_site.get(url)
    assert response.status_code == 200
    user_field = "follower" if model is Follow else "user"
    mine = getattr(row, user_field)
    filtered = admin_site.get(f"{url}?{user_field}__id__exact={mine.pk}")
    assert filtered.status_code == 200
    assert mine.email in filtered.content.decode()
    assert f"?{user_field}__id__exact={mine.pk}" in response.content.decode()  # emails link to the filter
    assert getattr(other, user_field).email not in filtered.content.decode()
    assert admin_site.get(f"{url}?q={mine.email}").status_code == 200
    assert admin_site.get(f"{url}add/").status_code == 403


def test_admin_detail_is_read_only(admin_site):
    follow = FollowFactory()
    url = f"/admin/social/follow/{follow.pk}/change/"
    page = admin_site.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_site.post(url, {"follower": str(follow.following_id)}).status_code == 403
    follow.refresh_from_db()
    assert follow.follower_id != follow.following_id


def test_admin_single_delete_keeps_follow_counters_exact(admin_site, user, other_user):
    follow, _ = services.follow_create(follower=user, following_id=other_user.pk)
    response = admin_site.post(f"/admin/social/follow/{follow.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Follow.objects.exists()
    assert User.objects.get(pk=other_user.pk).followers_count == 0
    assert User.objects.get(pk=user.pk).following_count == 0


def test_admin_bulk_delete_keeps_follow_counters_exact(admin_site, user, other_user):
    services.follow_create(follower=user, following_id=other_user.pk)
    services.follow_create(follower=other_user, following_id=user.pk)
    ids = list(Follow.objects.values_list("pk", flat=True))
    response = admin_site.post(
        "/admin/social/follow/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302
    assert not Follow.objects.exists()
    for account in User.objects.filter(pk__in=[user.pk, other_user.pk]):
        assert (account.followers_count, account.following_count) == (0, 0)


def test_plain_users_cannot_reach_the_admin(user):
    client = Client()
    client.force_login(user)
    assert client.get("/admin/social/follow/").status_code == 302
