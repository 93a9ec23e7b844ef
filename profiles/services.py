from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from profiles.models import Council, User
from profiles.selectors import council_for_email

RESERVED_HANDLES = frozenset(
    {"admin", "new", "edit", "settings", "me", "search", "followers", "following", "former-member"}
)


def handle_generate(*, base: str) -> str:
    """A free URL handle derived from a name: 'Priya Shah' -> 'priya-shah', then 'priya-shah-2', ..."""
    stem = slugify(base)[:34].strip("-") or "member"
    if stem in RESERVED_HANDLES:
        stem = f"{stem}-member"
    taken = set(User.objects.filter(handle__startswith=stem).values_list("handle", flat=True))
    if stem not in taken:
        return stem
    suffix = 2
    while f"{stem}-{suffix}" in taken:
        suffix += 1
    return f"{stem}-{suffix}"


@transaction.atomic
def user_sync_council_link(*, user: User) -> Council | None:
    """Link the user to the council of a verified address (primary first); unlink when none matches.

    A link set by a site admin is left alone: the admin asserted it, not an address.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.council_linked_via == User.CouncilLink.ADMIN:
        return user.council
    addresses = EmailAddress.objects.filter(user=user, verified=True).order_by("-primary", "pk")
    council = None
    for address in addresses:
        council = council_for_email(email=address.email)
        if council is not None:
            break
    linked_via = User.CouncilLink.EMAIL if council else ""
    if (user.council_id, user.council_linked_via) != (getattr(council, "pk", None), linked_via):
        user.council = council
        user.council_linked_via = linked_via
        user.save(update_fields=["council", "council_linked_via"])
    return council


@transaction.atomic
def user_set_council(*, user: User, council: Council | None) -> None:
    """A site admin's explicit link (or unlink, after which verified addresses decide again)."""
    user.council = council
    user.council_linked_via = User.CouncilLink.ADMIN if council else ""
    user.save(update_fields=["council", "council_linked_via"])
    if council is None:
        user_sync_council_link(user=user)


def council_sync_members(*, council: Council) -> int:
    """Re-derive the link of everyone it may concern after a council's domains change.

    That is members linked to it through an address, and members with a verified address at one of its
    domains or their subdomains. Returns how many were looked at.
    """
    domains = list(council.domains.values_list("domain", flat=True))
    at_domains = Q()
    for domain in domains:
        at_domains |= Q(emailaddress__email__iendswith=f"@{domain}") | Q(
            emailaddress__email__iendswith=f".{domain}"
        )
    candidates = Q(council=council, council_linked_via=User.CouncilLink.EMAIL)
    if domains:
        candidates |= Q(emailaddress__verified=True) & at_domains
    users = User.objects.filter(candidates).exclude(council_linked_via=User.CouncilLink.ADMIN).distinct()
    count = 0
    for user in users.iterator():
        user_sync_council_link(user=user)
        count += 1
    return count
