"""Schema fuzz: schemathesis generates requests from our own OpenAPI schema (`/api/schema/`, served by
the app in-process over WSGI) for EVERY operation, as an anonymous caller, a signed-in user and an
admin, and checks each answer: never a 5xx, a documented status, the documented content type and a
body that matches the documented schema (errors: the envelope).

Budget: `LEMONNPIE_FUZZ_EXAMPLES` generated cases per operation and identity in the fuzzing phase
(default 20), plus schemathesis's explicit-example and coverage phases (boundary and invalid values
derived from the schema). Generation is derandomized, so CI runs the same cases every time; set
`LEMONNPIE_FUZZ_RANDOM=1` to explore new ones.

Run only this suite: `.venv/bin/pytest -m fuzz` (or `bin/test -m fuzz`).
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from lemonnpie.tests.fuzz import seed
from lemonnpie.wsgi import application

pytestmark = pytest.mark.fuzz

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
schema.config.generation.update(
    max_examples=int(os.environ.get("LEMONNPIE_FUZZ_EXAMPLES", "20")),
    deterministic=os.environ.get("LEMONNPIE_FUZZ_RANDOM", "") != "1",
    database="none",
)
FUZZ_SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck))

# Which seeded rows a path's ids are drawn from, by path prefix (first match wins).
_ID_POOLS = [
    ("/api/v1/admin/users/", seed.USER_IDS),
    ("/api/v1/admin/reports/", (seed.REPORT_ID,)),
    ("/api/v1/admin/moderation/", seed.REVIEW_IDS),
    ("/api/v1/movies/", seed.CATALOGUE_IDS),
    ("/api/v1/series/", seed.CATALOGUE_IDS),
    ("/api/v1/reviews/", seed.REVIEW_IDS),
    ("/api/v1/users/watchlist/", seed.CATALOGUE_IDS),
    ("/api/v1/diary/ratings/", seed.CATALOGUE_IDS),
    ("/api/v1/diary/", seed.DIARY_IDS),
    ("/api/v1/lists/", seed.LIST_IDS),
    ("/api/v1/users/favorites/", seed.CATALOGUE_IDS),
    ("/api/v1/users/", seed.USER_IDS),
]


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, path ids are those of real seeded rows (else what schemathesis generated)."""
    pool = next((ids for prefix, ids in _ID_POOLS if context.operation.path.startswith(prefix)), None)
    if pool is None or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    names = [name for name in path_parameters if name != "token"]
    if not names:
        return st.just(path_parameters)
    real = st.fixed_dictionaries({name: st.sampled_from([str(value) for value in pool]) for name in names})
    return st.one_of(st.just(path_parameters), real.map(lambda ids: {**path_parameters, **ids}))


_BODY_ID_POOLS = {"movie_id": seed.CATALOGUE_IDS, "content_id": (*seed.REVIEW_IDS, *seed.USER_IDS, *seed.MOVIE_IDS)}


@schema.hook
def flatmap_body(context, body):
    """Half the time, ids in a JSON body (`movie_id`, `content_id`) name real seeded rows, so writes
    such as creating a review or a report get past "unknown object" and really happen."""
    names = [name for name in _BODY_ID_POOLS if isinstance(body, dict) and isinstance(body.get(name), str)]
    if not names:
        return st.just(body)
    real = st.fixed_dictionaries(
        {name: st.sampled_from([str(value) for value in _BODY_ID_POOLS[name]]) for name in names}
    )
    return st.one_of(st.just(body), real.map(lambda ids: {**body, **ids}))


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_anonymous(case, fuzz):
    fuzz(case, "anonymous")


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_signed_in_user(case, fuzz):
    fuzz(case, "user")


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_admin(case, fuzz):
    fuzz(case, "admin")


def test_every_operation_of_the_schema_is_fuzzed():
    """Nothing is filtered out: schemathesis builds a test for each operation the schema declares."""
    declared = {
        (method.upper(), path)
        for path, operations in schema.raw_schema["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    }
    fuzzed = {(result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()}
    assert fuzzed == declared
    assert len(declared) >= 61
