from django.urls import include, path

from lemonnpie.api.routers import optional_slash_path
from lemonnpie.tests import views

test_patterns = [
    optional_slash_path("echo", views.EchoView.as_view()),
    optional_slash_path("admin-only", views.AdminOnlyView.as_view()),
    optional_slash_path("throttled", views.ThrottledView.as_view()),
    optional_slash_path("boom", views.BoomView.as_view()),
    path("plain-boom", views.plain_boom),
    path("plain-missing", views.plain_missing),
    path("plain-post-only", views.plain_post_only),
]

urlpatterns = [path("api/v1/test/", include(test_patterns)), path("", include("lemonnpie.urls"))]

handler404 = "lemonnpie.api.exceptions.handler404"
handler500 = "lemonnpie.api.exceptions.handler500"
