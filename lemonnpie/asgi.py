"""The ASGI application: HTTP → Django (the whole API), WebSocket → `/ws/v1/notifications`.

Served by uvicorn (`bin/run`, the `ws` service of docker-compose)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lemonnpie.settings")
django_application = get_asgi_application()  # sets Django up before the consumers are imported

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from lemonnpie.settle import settle  # noqa: E402
from notifications.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter({"http": django_application, "websocket": URLRouter(websocket_urlpatterns)})
settle()
