from celery import shared_task


@shared_task(name="ask.follow_up", ignore_result=True)
def follow_up() -> int:
    """Run by beat every 15 minutes: questions with no reply after settings.ASK_FOLLOW_UP_DAYS are offered
    to the next people in the ranking, once each (ask.services.asks: each question is locked and marked in
    one transaction, so two runs at once never follow one up twice). No retry: the next run is the sweep."""
    from ask.services.asks import questions_follow_up

    return questions_follow_up()
