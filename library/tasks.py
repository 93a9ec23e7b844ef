from celery import shared_task


@shared_task(name="library.extract_text", ignore_result=True)
def extract_text() -> int:
    """Queued after an upload commits, and run by beat every few minutes as the sweep: read whatever
    versions are pending (library.services.extraction: each is claimed before it is read, so two runs at
    once never read the same version). No retry: what a failed run leaves pending, the next sweep reads."""
    from library.services.extraction import extract_due

    return extract_due()
