"""Load the database functions and triggers from their declarations in catalog/sql/ (one file per
function; see catalog/triggers.py). The files hold exactly what migrations 0002-0005 left in the
database, so this changes no behaviour; reversing it leaves those same definitions in place."""

from django.db import migrations


def load_declared(apps, schema_editor):
    from catalog.triggers import load

    load(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_title_words")]

    operations = [migrations.RunPython(load_declared, migrations.RunPython.noop)]
