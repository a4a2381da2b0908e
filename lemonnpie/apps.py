from django.contrib.admin.apps import AdminConfig


class LemonNPieAdminConfig(AdminConfig):
    default_site = "lemonnpie.admin_site.LemonNPieAdminSite"
