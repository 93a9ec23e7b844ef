"""Blocks that apps above a page's app add to it: a page that carries blocks (a conversation, a practice
story) asks what is registered for one of its named slots, without knowing which app fills it. Each
provider gives the page a block to show (a template and its context, as this viewer may see it), or
nothing.

Targets are named: "conversation" (a communities.Thread) and "story" (a practice.PracticeStory). Slots:
"main" (in the page's flow, below the opening text: the library's attached documents) and "side" (the
page's side column: ask's "People who can help" and "Related practice").
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CONVERSATION, STORY = "conversation", "story"
MAIN, SIDE = "main", "side"
SLOTS = (MAIN, SIDE)


@dataclass(frozen=True)
class PageBlock:
    """Rendered as a profile section is (profiles' {% render_section %}): the page's context plus `section`
    and the keys of `context`."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


# (viewer, target name, the target object) -> a block, or None to show nothing. Filtered to what the viewer
# may see, in a fixed number of queries whatever the data (the pages' counts are pinned).
BlockProvider = Callable[[Any, str, Any], PageBlock | None]

_providers: dict[str, list[BlockProvider]] = {slot: [] for slot in SLOTS}


def register_block(*, slot: str, provider: BlockProvider) -> BlockProvider:
    if slot not in _providers:
        raise ValueError(f"No slot named {slot!r}: one of {', '.join(SLOTS)}")
    if provider not in _providers[slot]:
        _providers[slot].append(provider)
    return provider


def blocks_for(*, slot: str, viewer, target: str, obj) -> list[PageBlock]:
    """The blocks registered for the slot, in registration order, leaving out those that show nothing."""
    blocks = (provider(viewer, target, obj) for provider in _providers[slot])
    return [block for block in blocks if block is not None]
