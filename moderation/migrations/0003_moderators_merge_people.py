from django.contrib.auth.management import create_permissions
from django.db import migrations

# Added to moderation.permissions.MODERATOR_PERMISSIONS with the people of issue 18.
PEOPLE_PERMISSIONS = [("catalog", "view_person"), ("catalog", "change_person")]


def grant(apps, schema_editor):
    catalog = apps.get_app_config("catalog")
    catalog.models_module = True
    create_permissions(catalog, apps=apps, verbosity=0)
    catalog.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        for app_label, codename in PEOPLE_PERMISSIONS:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="catalog", codename__in=[c for _, c in PEOPLE_PERMISSIONS])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0002_moderators_group"),
        ("catalog", "0006_people_types_poster"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
