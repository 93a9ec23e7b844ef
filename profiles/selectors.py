from django.db.models import Count, QuerySet

from profiles.models import Council, CouncilDomain


def council_for_email(*, email: str) -> Council | None:
    """The council owning the address's domain or its nearest parent (hr.leeds.gov.uk -> leeds.gov.uk)."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    labels = domain.split(".")
    # Every suffix with at least two labels; one query, longest match wins.
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    if not candidates:
        return None
    matches = {
        row.domain: row.council
        for row in CouncilDomain.objects.filter(domain__in=candidates).select_related("council")
    }
    for candidate in candidates:
        if candidate in matches:
            return matches[candidate]
    return None


def councils_with_member_counts() -> QuerySet[Council]:
    # One aggregate query for list pages and the admin changelist instead of a count per row.
    return Council.objects.annotate(member_count=Count("members", distinct=True))
