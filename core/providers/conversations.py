"""What the apps above communities add to its conversations without communities importing them (Ask the
hub: "You were asked because ..." on a question's page, and where "Start a conversation" leads in its
space). Each app registers its providers from its AppConfig.ready(); communities' views call whatever is
registered. The post-reply hook is a post_save receiver in the app itself (ask/receivers.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ThreadBlock:
    """Rendered as a profile section is (profiles' {% render_section %}): the page's context plus `section`
    and the keys of `context`, under the thread's opening post."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


# (viewer, thread) -> a block, or None to show nothing. Called for a viewer who may read the thread; a
# fixed number of queries (none for threads it does not concern: the thread page's count is pinned).
ThreadBlockProvider = Callable[[Any, Any], ThreadBlock | None]
# (community) -> the address "Start a conversation" leads to there instead of the community's own form, or
# None. No queries (the community page's count is pinned).
StartProvider = Callable[[Any], str | None]

_thread_blocks: list[ThreadBlockProvider] = []
_starts: list[StartProvider] = []


def register_thread_block(provider: ThreadBlockProvider) -> ThreadBlockProvider:
    if provider not in _thread_blocks:
        _thread_blocks.append(provider)
    return provider


def thread_blocks_for(*, viewer, thread) -> list[ThreadBlock]:
    blocks = (provider(viewer, thread) for provider in _thread_blocks)
    return [block for block in blocks if block is not None]


def register_start_conversation(provider: StartProvider) -> StartProvider:
    if provider not in _starts:
        _starts.append(provider)
    return provider


def start_conversation_url(community) -> str | None:
    """Where "Start a conversation" leads in `community` when an app above says (the first that does)."""
    for provider in _starts:
        url = provider(community)
        if url:
            return url
    return None
