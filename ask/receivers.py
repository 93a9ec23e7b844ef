"""A reply in a question's thread by someone asked about it makes their ask answered (imported from
AskConfig.ready()). A receiver rather than a call in communities' post_reply: communities may not import
ask. Replies anywhere but the questions' space cost nothing (the community is read with the thread)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from ask.models import SPACE_SLUG
from ask.services.asks import asks_mark_answered
from communities.models import Post


@receiver(post_save, sender=Post, dispatch_uid="ask_reply_answers_an_ask")
def reply_answers_an_ask(sender, instance: Post, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not created or instance.depth == 0 or instance.author_id is None:
        return
    if instance.thread.community.slug != SPACE_SLUG:
        return
    asks_mark_answered(thread_id=instance.thread_id, person_id=instance.author_id, at=instance.created_at)
