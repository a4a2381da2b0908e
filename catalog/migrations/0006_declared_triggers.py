"""Load the database functions and triggers from their declarations in catalog/sql/ (one file per
function; see catalog/triggers.py). The files hold exactly what migrations 0002-0005 left in the
database, so this changes no behaviour; reversing it leaves those same definitions in place."""

from django.db import migrations


# The files this migration declared; files added later are loaded by the migrations that add them.
DECLARED = [
    "lnp_fold",
    "lnp_words",
    "lnp_title_words",
    "lnp_upper_array",
    "movie_title_word_keys_add",
    "movie_title_words_add",
    "movie_title_words_add_one",
    "movie_titles_count",
    "movie_titles_refold",
    "movie_titles_sync",
    "movies_names_build",
    "movies_names_touch",
    "movies_search_vector_build",
    "movies_search_vector_touch",
]


def load_declared(apps, schema_editor):
    from catalog.triggers import load

    load(schema_editor, DECLARED)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_title_words")]

    operations = [migrations.RunPython(load_declared, migrations.RunPython.noop)]
