"""The database's functions and triggers are exactly the ones declared in catalog/sql/."""

import pytest
from django.db import connection

from catalog import triggers

pytestmark = pytest.mark.django_db


def _database() -> tuple[dict[str, str], dict[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang "
            "WHERE n.nspname = current_schema() AND l.lanname IN ('sql', 'plpgsql') "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        )
        functions = {name: definition.strip() for name, definition in cursor.fetchall()}
        cursor.execute(
            "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
        )
        found = {name: definition.strip() for name, definition in cursor.fetchall()}
    return functions, found


def test_database_functions_and_triggers_match_the_declarations():
    declared_functions, declared_triggers = triggers.declared()
    functions, found = _database()
    assert sorted(functions) == sorted(declared_functions)
    for name, definition in declared_functions.items():
        assert functions[name] == definition, f"{name} differs from catalog/sql/{name}.sql"
    assert found == declared_triggers


def test_a_changed_definition_is_noticed(django_db_blocker):
    """The comparison is real: a trigger redefined behind the declarations' back is reported."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER movies_titles_count ON movies")
    _functions, found = _database()
    assert "movies_titles_count" not in found
    assert found != triggers.declared()[1]


def test_loading_the_declarations_again_changes_nothing():
    from django.db import connection as conn

    before = _database()
    with conn.schema_editor(atomic=False) as editor:
        triggers.load(editor)
    assert _database() == before
