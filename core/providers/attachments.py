"""Documents attached to content: a page that can carry attachments (a conversation, a practice story) asks
what is registered for them here, without knowing which app keeps the documents (the library, above the
apps whose pages ask). Each provider gives the page a block to show (a template and its context: the
attachments as this viewer may see them, and the way to attach another for those who may), or nothing.

The page blocks of the "main" slot (core.providers.blocks), named for what they hold. Targets are named:
"conversation" (a communities.Thread) and "story" (a practice.PracticeStory).
"""

from core.providers.blocks import (
    CONVERSATION,
    MAIN,
    STORY,
    BlockProvider,
    PageBlock,
    blocks_for,
    register_block,
)

__all__ = ["CONVERSATION", "STORY", "AttachmentsBlock", "AttachmentsProvider", "attachments_for",
           "register_attachments"]  # fmt: skip

AttachmentsBlock = PageBlock
# (viewer, target name, the target object) -> a block, or None to show nothing (the pages' counts are
# pinned: one query).
AttachmentsProvider = BlockProvider


def register_attachments(provider: AttachmentsProvider) -> AttachmentsProvider:
    return register_block(slot=MAIN, provider=provider)


def attachments_for(*, viewer, target: str, obj) -> list[AttachmentsBlock]:
    return blocks_for(slot=MAIN, viewer=viewer, target=target, obj=obj)
