from django.contrib.admin.apps import AdminConfig


class LemonNPieAdminConfig(AdminConfig):
    default_site = "lemonnpie.admin_site.LemonNPieAdminSite"

    def ready(self):
        super().ready()
        from lemonnpie import checks  # noqa: F401  (registers the deploy checks)
