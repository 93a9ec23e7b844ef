"""Blocks the apps above communities add to a community's page (events: what is coming up), without
communities importing them. Each app registers its provider from its AppConfig.ready()."""

from collections.abc import Callable
from typing import Any

from profiles.extensions import ProfileSection

# (viewer, community) -> a section, or None to show nothing. Called only for a viewer who may read the
# community; must run a fixed number of queries (the community page's count is pinned).
CommunitySectionProvider = Callable[[Any, Any], ProfileSection | None]

_sections: list[CommunitySectionProvider] = []


def register_community_section(provider: CommunitySectionProvider) -> CommunitySectionProvider:
    if provider not in _sections:
        _sections.append(provider)
    return provider


def community_sections(*, viewer, community) -> list[ProfileSection]:
    sections = (provider(viewer, community) for provider in _sections)
    return [section for section in sections if section is not None]
