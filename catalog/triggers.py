"""The catalogue's database functions and triggers, declared next to the models: one SQL file per
function in `catalog/sql/` (a trigger function's file also creates the triggers that fire it).

What each file says is what the database holds: migration `0006_declared_triggers` loads every
file, and `catalog/tests/test_triggers.py` compares the database's definitions with them. To
change one: edit its file and add a migration that runs `load(schema_editor, ["<name>"])`.

Where to look: `movies_search_vector_build.sql` builds the search vector (titles A; people,
company, state B; plot C; genres D); `movies_names_build.sql` keeps `genre_names` /
`language_names`; `movie_titles_*.sql` and `movie_title_word*.sql` keep the suggestion tables.
"""

import re
from pathlib import Path

SQL_DIR = Path(__file__).with_name("sql")
# SQL-language functions are checked when created, so the ones others call come first.
FIRST = ("lnp_fold", "lnp_words", "lnp_title_words", "lnp_upper_array")
_TRIGGER = re.compile(r"^CREATE TRIGGER (\w+) .*? ON ([\w.]+) ", re.DOTALL)


def names() -> list[str]:
    """Every declared function, in loading order."""
    rest = sorted(path.stem for path in SQL_DIR.glob("*.sql") if path.stem not in FIRST)
    return [*FIRST, *rest]


def statements(name: str) -> list[str]:
    """The statements of one file: the function's definition, then its triggers' (comments dropped)."""
    text = "\n".join(line for line in (SQL_DIR / f"{name}.sql").read_text().splitlines() if not line.startswith("--"))
    return [part.strip().rstrip(";").strip() for part in re.split(r"\n(?=CREATE )", text.strip()) if part.strip()]


def declared() -> tuple[dict[str, str], dict[str, str]]:
    """`({function name: definition}, {trigger name: definition})` as the files declare them."""
    functions, triggers = {}, {}
    for name in names():
        function, *rest = statements(name)
        functions[name] = function
        for statement in rest:
            triggers[_TRIGGER.match(statement).group(1)] = statement
    return functions, triggers


def load(schema_editor, only: list[str] | None = None) -> None:
    """(Re)create the declared functions and their triggers (all, or `only` these files)."""
    for name in only or names():
        function, *rest = statements(name)
        schema_editor.execute(function)
        for statement in rest:
            trigger, table = _TRIGGER.match(statement).groups()
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            schema_editor.execute(statement)
