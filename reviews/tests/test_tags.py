import pytest

from reviews.tags import normalize_tag, normalize_tags, tag_error_details


@pytest.mark.parametrize(
    ("raw", "slug"),
    [
        ("Family Drama", "family-drama"),
        ("family_drama", "family-drama"),
        ("  FAMILY   drama ", "family-drama"),
        ("Òfin Mósè", "ofin-mose"),
        ("--owambe--", "owambe"),
        ("Lagos-life!!", "lagos-life"),
        ("2000s", "2000s"),
        ("!!!", ""),
        ("", ""),
    ],
)
def test_tags_become_lower_case_ascii_slugs(raw, slug):
    assert normalize_tag(raw) == slug


def test_duplicates_after_normalisation_collapse_in_order():
    tags, errors = normalize_tags(["Owambe", "juju", "OWAMBE", "Ju_Ju", "ju ju"])
    assert (tags, errors) == (["owambe", "juju", "ju-ju"], {})


def test_each_bad_tag_is_reported_by_index():
    _, errors = normalize_tags(["ok", "?", "x" * 41, "y" * 40])
    assert tag_error_details(errors) == [
        {"field": "nollywood_tags.1", "message": "A tag needs at least one letter or digit."},
        {"field": "nollywood_tags.2", "message": "Ensure this tag has no more than 40 characters."},
    ]


def test_more_than_ten_distinct_tags_is_an_error_on_the_list():
    _, errors = normalize_tags([f"t{n}" for n in range(11)])
    assert tag_error_details(errors) == [{"field": "nollywood_tags", "message": "A review has at most 10 tags."}]
    assert normalize_tags([f"t{n}" for n in range(10)])[1] == {}
