"""Routes of this app on the one API router (see lemonnpie/api_router.py)."""

urlpatterns = []


def register(router):
    pass
