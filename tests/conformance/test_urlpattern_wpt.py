"""WPT's URLPattern data (urlpatterntestdata.json, as the `urlpattern` crate ships it) run through
the sandbox's URLPattern: every case that WPT does not mark as skipped must pass."""

import pytest

from . import urldata

DATA = urldata.crate_file("urlpattern", "src/testdata/urlpatterntestdata.json")


@pytest.mark.skipif(DATA is None, reason="cargo metadata cannot locate the urlpattern crate's test data")
def test_every_wpt_urlpattern_case_passes(loader):
    assert DATA is not None
    ran, failed = urldata.run_patterns(loader, DATA)
    assert ran > 340
    assert failed == []
