from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from lemonnpie import views

urlpatterns = [
    path("health/", views.health, name="health"),
    re_path(r"^health$", views.health),
    path("api/v1/", include("lemonnpie.api_router")),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    path("", include("django_prometheus.urls")),
]


def local_media(request, path, document_root):
    """Local media (development: no Cloudinary, no bucket) served by the app itself, as WhiteNoise
    serves static; decided per request, so the URL conf does not depend on when it was loaded."""
    if settings.MEDIA_STORAGE != "local":
        raise Http404
    return serve(request, path, document_root=document_root)


urlpatterns.append(re_path(r"^media/(?P<path>.*)$", local_media, {"document_root": settings.MEDIA_ROOT}))

handler400 = "lemonnpie.api.exceptions.handler400"
handler403 = "lemonnpie.api.exceptions.handler403"
handler404 = "lemonnpie.api.exceptions.handler404"
handler500 = "lemonnpie.api.exceptions.handler500"
