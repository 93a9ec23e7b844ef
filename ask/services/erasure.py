"""What account erasure does to Ask the hub's records (registered with profiles.extensions.register_erasure,
run inside the erasure transaction). Their question threads are anonymised by communities; here: the record
of their being asked goes, and their name leaves the reasons of those they suggested."""

from ask.models import QuestionAsk

SUGGESTED_BY_FORMER = "suggested by someone asked"


def ask_erase(user) -> None:
    QuestionAsk.objects.filter(person=user).delete()
    QuestionAsk.objects.filter(suggested_by=user).update(suggested_by=None, reasons=[SUGGESTED_BY_FORMER])
