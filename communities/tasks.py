from celery import shared_task


@shared_task(
    name="communities.notify_post",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    max_retries=5,
)
def notify_post(*, post_id: int) -> None:
    """Tell watchers, the author replied to and mentioned members about a new post (once: see post_notify)."""
    from communities.services.conversations import post_notify

    post_notify(post_id=post_id)


@shared_task(name="communities.notify_unsent_posts", ignore_result=True)
def notify_unsent_posts() -> int:
    """The sweep for posts whose notify task never ran: a post is a row first, its notices follow."""
    from communities.services.conversations import posts_notify_unsent

    return posts_notify_unsent()
