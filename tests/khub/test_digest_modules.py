"""khub's digests name no kind of content: conversations, requests, reports and stories reach them only
through the providers communities and practice register (core.providers.digests)."""

import pytest

from core.providers.digests import digest_scopes, digest_sections
from tests.imports import ROOT, imports_of

DIGESTS = ROOT / "khub" / "digests"
CONTENT_APPS = {"communities", "practice"}


@pytest.mark.parametrize("path", sorted(DIGESTS.glob("*.py")), ids=lambda path: path.name)
def test_khub_digests_imports_no_communities_or_practice_module(path):
    named = imports_of(path, CONTENT_APPS)
    assert not named, f"khub/digests/{path.name} imports {named}"


def test_the_apps_register_the_sections_in_the_order_a_digest_shows_them():
    assert [section.name for section, _ in digest_sections()] == [
        "waiting",
        "coming_up",
        "new",
        "questions",
        "busy",
        "practice",
        "events",
        "library",
    ]
    assert [scope.name for scope in digest_scopes()] == ["communities"]
