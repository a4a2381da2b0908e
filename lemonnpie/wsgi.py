import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lemonnpie.settings")


def _application():
    django_application = get_wsgi_application()  # sets Django up before the fast path is imported
    from lemonnpie.api.fastpath import StoredReadsFirst
    from lemonnpie.settle import settle

    # Anonymous GETs of stored answers are answered before Django's handler (lemonnpie.api.fastpath).
    application = StoredReadsFirst(django_application)
    settle()
    return application


application = _application()
