from django.contrib.auth.management import create_permissions
from django.db import migrations

# A frozen copy of moderation.permissions.MODERATOR_PERMISSIONS as of this migration.
MODERATOR_PERMISSIONS = [
    ("accounts", "view_user"),
    ("catalog", "view_movie"),
    ("catalog", "add_movie"),
    ("catalog", "view_moviegenre"),
    ("catalog", "add_moviegenre"),
    ("catalog", "view_movielanguage"),
    ("catalog", "add_movielanguage"),
    ("catalog", "view_moviecast"),
    ("catalog", "add_moviecast"),
    ("reviews", "view_review"),
    ("reviews", "change_review"),
    ("reviews", "view_reviewvote"),
    ("moderation", "view_report"),
    ("moderation", "change_report"),
    ("moderation", "view_auditlogentry"),
]


def create_moderators_group(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("accounts", "User")
    group, _ = Group.objects.get_or_create(name="Moderators")
    permissions = [
        Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in MODERATOR_PERMISSIONS
    ]
    group.permissions.set(permissions)
    for user in User.objects.filter(role="moderator"):
        user.groups.add(group)


def remove_moderators_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("accounts", "0001_initial"),
        ("catalog", "0001_initial"),
        ("reviews", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_moderators_group, remove_moderators_group)]
