from django.contrib.auth.management import create_permissions
from django.db import migrations

# Added to moderation.permissions.MODERATOR_PERMISSIONS with this migration (lists can be reported).
LIST_PERMISSIONS = [("lists", "view_filmlist"), ("lists", "view_filmlistentry")]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        group.permissions.add(
            *[Permission.objects.get(content_type__app_label=app, codename=code) for app, code in LIST_PERMISSIONS]
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="lists", codename__in=[c for _, c in LIST_PERMISSIONS])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0001_initial"),
        ("moderation", "0002_moderators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
