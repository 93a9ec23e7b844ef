"""Documents attached to content: a page that can carry attachments (a conversation, a practice story) asks
what is registered for them here, without knowing which app keeps the documents (the library, above the
apps whose pages ask). Each provider gives the page a block to show (a template and its context: the
attachments as this viewer may see them, and the way to attach another for those who may), or nothing.

Targets are named: "conversation" (a communities.Thread) and "story" (a practice.PracticeStory).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CONVERSATION, STORY = "conversation", "story"


@dataclass(frozen=True)
class AttachmentsBlock:
    """Rendered as a profile section is (profiles' {% render_section %}): the page's context plus `section`
    and the keys of `context`."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


# (viewer, target name, the target object) -> a block, or None to show nothing. Filtered to what the viewer
# may see, in a fixed number of queries (the pages' counts are pinned: one query).
AttachmentsProvider = Callable[[Any, str, Any], AttachmentsBlock | None]

_providers: list[AttachmentsProvider] = []


def register_attachments(provider: AttachmentsProvider) -> AttachmentsProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def attachments_for(*, viewer, target: str, obj) -> list[AttachmentsBlock]:
    blocks = (provider(viewer, target, obj) for provider in _providers)
    return [block for block in blocks if block is not None]
