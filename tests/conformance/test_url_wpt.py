"""WPT's URL parsing and setter data (urltestdata.json, setters_tests.json, as shipped inside the
`url` crate this build uses) run through the sandbox's URL class. What fails must be among the url
crate's own known deviations (its tests/expected_failures.txt), all of them `file:` URLs: it drops
the host before a Windows drive letter and collapses empty leading path segments, where the
standard keeps both. A failure outside that list fails here."""

import pytest

from . import urldata

TESTS = urldata.url_crate_tests()
pytestmark = pytest.mark.skipif(TESTS is None, reason="cargo metadata cannot locate the url crate's test data")


@pytest.fixture(scope="module")
def results(loader):
    assert TESTS is not None
    return urldata.run(loader, TESTS)


@pytest.fixture(scope="module")
def deviations():
    assert TESTS is not None
    return {line.strip() for line in (TESTS / "expected_failures.txt").read_text().splitlines() if line.strip()}


def listed_as(failure: str) -> str:
    """A failure's case as expected_failures.txt writes it (backslashes and newlines escaped)."""
    case = failure.rsplit(": ", 2)[0] if ": threw" in failure else failure.split(">: ", 1)[0] + ">"
    return case.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


@pytest.mark.parametrize("kind, least", [("parsing", 800), ("setters", 250)])
def test_only_the_url_crates_known_file_deviations_fail(results, deviations, kind, least):
    total, failed = results[kind]
    assert total > least
    assert [f for f in failed if listed_as(f) not in deviations] == []
    assert all("file:" in f for f in failed)
