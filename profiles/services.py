import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat, Left, Lower, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify
from taggit.models import Tag

from core.dates import iso
from core.markdown import markdown_render
from profiles.extensions import NO_LONGER_AVAILABLE, erasure_handlers, personal_data_exporters
from profiles.models import Council, Dismissal, EmailState, Follow, Notification, User
from profiles.permissions import is_on_the_hub, on_the_hub
from profiles.selectors import (
    council_for_email,
    notifications_checked,
    notifications_for_user,
    standing_forget,
    unread_cache_key,
)

logger = logging.getLogger(__name__)

FORMER_MEMBER = "Former member"  # the name of an erased member wherever their work is shown
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


# The user fields a council's member count depends on: a save naming none of them leaves it as it is.
COUNCIL_COUNT_FIELDS = frozenset({"council", "council_id", "is_active", "erased_at"})


@transaction.atomic
def councils_recount(*, council_ids) -> None:
    """Recount the members on the hub of these councils (Council.member_count), one UPDATE for them all.

    profiles.receivers calls it in the transaction of every save or deletion of a user that may change a
    count. The councils' rows are locked first, in id order, and counted after: a writer waits for the one
    before it to commit and then counts its members too, so two changes at once never lose one
    (PostgreSQL; SQLite serialises writes anyway). QuerySet.update() on users bypasses it: call it after.
    """
    ids = sorted({pk for pk in council_ids if pk is not None})
    if not ids:
        return
    list(Council.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    counted = (
        User.objects.filter(on_the_hub(), council=OuterRef("pk"))
        .order_by()
        .values("council")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Council.objects.filter(pk__in=ids).update(member_count=Coalesce(Subquery(counted), 0))


# The user fields whether a member is on the hub depends on: a save naming neither moves no follow count.
ON_THE_HUB_FIELDS = frozenset({"is_active", "erased_at"})
# Members whose follows are being deleted by a service that counts them itself (user_erase): the receiver
# of each deleted follow leaves them alone.
_follows_counted_by_caller: ContextVar[frozenset[int]] = ContextVar(
    "follows_counted_by_caller", default=frozenset()
)


@contextmanager
def follows_counted_by_caller(user_id: int) -> Iterator[None]:
    token = _follows_counted_by_caller.set(_follows_counted_by_caller.get() | {user_id})
    try:
        yield
    finally:
        _follows_counted_by_caller.reset(token)


def follows_are_counted_by_caller(follow: Follow) -> bool:
    counted = _follows_counted_by_caller.get()
    return follow.follower_id in counted or follow.followed_id in counted


@transaction.atomic
def follow_counts_change(*, follower_id: int, followed_id: int, delta: int) -> None:
    """A follow made (delta 1) or removed (-1): the followed member counts one follower more or fewer if the
    follower is on the hub, and the follower one followed if the followed member is (User.follower_count,
    following_count). profiles.receivers calls it in the transaction of every follow saved or deleted.

    Both rows are locked first, in id order, and read: a member leaving or rejoining the hub at the same
    time (follow_counts_shift, under the lock of their own row) goes wholly before or after, so the follow is
    counted once or not at all. Increments commute, so follows of one member at once never lose one."""
    ids = sorted({follower_id, followed_id})
    rows = User.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    on_hub = {
        pk: active and erased is None
        for pk, active, erased in rows.values_list("pk", "is_active", "erased_at")
    }
    changes = {}
    if on_hub.get(follower_id):
        changes["follower_count"] = F("follower_count") + Case(
            When(pk=followed_id, then=Value(delta)), default=Value(0)
        )
    if on_hub.get(followed_id):
        changes["following_count"] = F("following_count") + Case(
            When(pk=follower_id, then=Value(delta)), default=Value(0)
        )
    if changes:
        User.objects.filter(pk__in=ids).update(**changes)


def follow_counts_shift(*, user_id: int, delta: int) -> None:
    """A member joined (delta 1) or left (-1) the hub: everyone they follow counts one follower more or
    fewer, everyone following them one followed. The caller holds the lock of the member's row (the save
    that moved them), so no follow of theirs is made or removed meanwhile; two statements whatever the
    number of follows."""
    followed = Follow.objects.filter(follower=user_id).values("followed_id")
    User.objects.filter(pk__in=followed).update(follower_count=F("follower_count") + delta)
    followers = Follow.objects.filter(followed=user_id).values("follower_id")
    User.objects.filter(pk__in=followers).update(following_count=F("following_count") + delta)


def follows_recount(*, user_ids=None) -> None:
    """Count every member's follows afresh (all members when user_ids is None): for follows written without
    the receivers (bulk_create, COPY) and for the migration that added the counts."""
    users = User.objects.all() if user_ids is None else User.objects.filter(pk__in=user_ids)
    followers = (
        Follow.objects.filter(on_the_hub("follower__"), followed=OuterRef("pk"))
        .order_by()
        .values("followed")
        .annotate(n=Count("pk"))
        .values("n")
    )
    following = (
        Follow.objects.filter(on_the_hub("followed__"), follower=OuterRef("pk"))
        .order_by()
        .values("follower")
        .annotate(n=Count("pk"))
        .values("n")
    )
    users.update(
        follower_count=Coalesce(Subquery(followers), 0), following_count=Coalesce(Subquery(following), 0)
    )


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


def _unread_forget(user_ids) -> None:
    """The header's kept unread count of these members is stale: forgotten now, and again once this
    transaction commits (a page counting in between saw the rows as they were before it)."""
    keys = [unread_cache_key(pk) for pk in user_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def notification_send(
    *,
    recipient: User,
    kind: str,
    text: str,
    url: str = "",
    actor: User | None = None,
    target: models.Model | None = None,
    collapse: bool = False,
) -> Notification | None:
    """Put a line in a member's inbox. The one way any app notifies someone.

    Nobody is told about their own action, and a deactivated or erased member gets nothing. With
    `collapse`, an unread line of the same kind from the same actor about the same target stands for the
    new one (follow, unfollow, follow again tells them once). Text longer than the line holds is cut at a
    word with an ellipsis. Callers check first that the recipient may see the target: this function does
    not know the apps above it.
    """
    if not is_on_the_hub(recipient):
        return None
    if actor is not None and actor.pk == recipient.pk:
        return None
    if collapse:
        same = Notification.objects.filter(recipient=recipient, kind=kind, actor=actor, read_at__isnull=True)
        if target is not None:
            same = same.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
        existing = same.first()
        if existing is not None:
            return existing
    limit = Notification._meta.get_field("text").max_length
    notification = Notification(
        recipient=recipient,
        kind=kind,
        actor=actor,
        text=Truncator(text).chars(limit),
        url=url,
        target=target,
    )
    notification.full_clean(exclude=["target_type", "target_id"])
    notification.save()
    _unread_forget([recipient.pk])
    return notification


def notifications_send_many(
    *,
    recipients: models.QuerySet[User],
    kind: str,
    text: str,
    url: str = "",
    actor: User | None = None,
    target: models.Model | None = None,
    email: bool = False,
) -> int:
    """notification_send for many people at once (a thread's watchers): one INSERT, whatever their number.

    The same rules: nobody hears of their own action, deactivated and erased members get nothing. The
    caller filters `recipients` to those who may see the target. Returns how many were told. With `email`
    (mentions, direct replies), those who want it are also emailed: the email is a state on the same row,
    written in the caller's transaction, so it is sent later even if Redis is down now.
    """
    people = recipients.filter(on_the_hub())
    if actor is not None:
        people = people.exclude(pk=actor.pk)
    limit = Notification._meta.get_field("text").max_length
    common = {"kind": kind, "actor": actor, "text": Truncator(text).chars(limit), "url": url}
    if target is not None:
        common.update(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
    rows = [
        Notification(recipient_id=pk, email_state=EmailState.PENDING if email and wants else "", **common)
        for pk, wants in people.values_list("pk", "email_immediately")
    ]
    Notification.objects.bulk_create(rows, batch_size=500)
    _unread_forget([row.recipient_id for row in rows])
    if any(row.email_state for row in rows):
        from profiles.emails import notification_emails_queue

        notification_emails_queue()
    return len(rows)


@transaction.atomic
def notification_settings_set(
    *, user: User, digest_frequency: str, email_immediately: bool, accepts_questions: bool | None = None
) -> None:
    """How a member hears from the hub by email (the inbox is always on), and whether they may be asked
    questions by name (Ask the hub: "Don't ask me questions"; None leaves it as it is)."""
    user.digest_frequency = digest_frequency
    user.email_immediately = email_immediately
    fields = ["digest_frequency", "email_immediately"]
    if accepts_questions is not None:
        user.accepts_questions = accepts_questions
        fields.append("accepts_questions")
    user.full_clean(validate_unique=False, validate_constraints=False)
    user.save(update_fields=fields)


def unsubscribe_apply(*, user: User, kind: str) -> bool:
    """A one-click unsubscribe (signed link in an email): True when it changed something."""
    from profiles.emails import Unsubscribe

    field, off = (
        ("digest_frequency", User.Digest.OFF) if kind == Unsubscribe.DIGEST else ("email_immediately", False)
    )
    return bool(User.objects.filter(pk=user.pk).exclude(**{field: off}).update(**{field: off}))


def notifications_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark some of a member's notifications read (all unread when no ids are given); returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    _unread_forget([user.pk])
    return unread.update(read_at=timezone.now())


@transaction.atomic
def follow_create(*, follower: User, followed: User) -> Follow:
    """Follow a member (idempotent) and tell them, once."""
    if follower.pk == followed.pk:
        raise ValidationError("You cannot follow yourself.")
    if not is_on_the_hub(followed):
        raise ValidationError("This member is no longer on the hub.")
    follow, created = Follow.objects.get_or_create(follower=follower, followed=followed)
    standing_forget(user=follower)
    if created:
        notification_send(
            recipient=followed,
            kind="follow",
            actor=follower,
            target=follower,
            text=f"{follower.display_name} started following you",
            collapse=True,
            url=reverse("profiles:profile", kwargs={"handle": follower.handle}),
        )
    return follow


def follow_delete(*, follower: User, followed: User) -> bool:
    """Stop following (idempotent). Returns whether a follow was removed."""
    deleted, _ = Follow.objects.filter(follower=follower, followed=followed).delete()
    standing_forget(user=follower)
    return bool(deleted)


MAX_TAGS = 10  # per list (expertise, interests): enough to describe someone, few enough to mean something
MAX_TAG_LENGTH = 50
PROFILE_FIELDS = ["display_name", "job_title", "bio", "bio_html", "show_email"]


def _tags_check(*, field: str, label: str, names: list[str]) -> None:
    if len(names) > MAX_TAGS:
        raise ValidationError({field: f"Enter {MAX_TAGS} {label} tags or fewer"})
    for name in names:
        if len(name) > MAX_TAG_LENGTH:
            raise ValidationError({field: f"Each {label} tag must be {MAX_TAG_LENGTH} characters or fewer"})


def tags_resolve(names: list[str]) -> list[Tag | str]:
    """Existing tags whatever their case ("housing" reuses "Housing"), new names as typed."""
    lowered = {name.lower() for name in names}
    existing: dict[str, Tag] = {}
    for tag in Tag.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=lowered).order_by("-pk"):
        existing[tag.lower_name] = tag  # oldest wins when case variants already exist
    return [existing.get(name.lower(), name) for name in names]


def profile_update(
    *,
    user: User,
    display_name: str,
    job_title: str,
    bio: str,
    show_email: bool,
    expertise: list[str],
    interests: list[str],
    avatar: ContentFile | None = None,
    remove_avatar: bool = False,
) -> User:
    """Save what a member says about themselves; bio_html is rendered from the Markdown bio here.

    `avatar` is the re-encoded image from profiles.avatars.avatar_prepare: stored under a fresh random
    name, and the old file deleted once the new one is committed. All or nothing: if anything fails, the
    new file is deleted again and no field changes.
    """
    _tags_check(field="expertise", label="expertise", names=expertise)
    _tags_check(field="interests", label="interest", names=interests)
    storage = User._meta.get_field("avatar").storage
    old_avatar, new_avatar = user.avatar.name, ""
    try:
        with transaction.atomic():
            user.display_name = display_name.strip()
            user.job_title = job_title.strip()
            user.bio = bio
            user.bio_html = markdown_render(bio)
            user.show_email = show_email
            user.full_clean(
                exclude=[f.name for f in User._meta.fields if f.name not in PROFILE_FIELDS],
                validate_unique=False,
                validate_constraints=False,
            )
            fields = list(PROFILE_FIELDS)
            if avatar is not None:
                user.avatar.save(f"{secrets.token_hex(16)}.webp", avatar, save=False)
                new_avatar = user.avatar.name
                fields.append("avatar")
            elif remove_avatar and old_avatar:
                user.avatar = ""
                fields.append("avatar")
            user.save(update_fields=fields)
            user.expertise.set(tags_resolve(expertise))
            user.interests.set(tags_resolve(interests))
            standing_forget(user=user)
            if "avatar" in fields and old_avatar:
                transaction.on_commit(lambda: storage.delete(old_avatar))
    except BaseException:
        if new_avatar:
            storage.delete(new_avatar)
            user.avatar.name = old_avatar
        raise
    return user


def user_personal_data(*, user: User) -> dict[str, Any]:
    """Everything the hub holds about a member (UK GDPR right of access), ready for json.dumps.

    profiles' records first, then each app's registered exporter under its own name
    (profiles.extensions.register_personal_data). No password hash and no two-factor secrets or
    recovery codes: only which methods are set up.
    """
    council = user.council
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "handle": user.handle,
            "job_title": user.job_title,
            "council": {"name": council.name, "slug": council.slug} if council else None,
            "council_linked_via": user.council_linked_via,
            "bio": user.bio,
            "expertise": sorted(user.expertise.names()),
            "interests": sorted(user.interests.names()),
            "avatar": user.avatar.name or None,
            "show_email": user.show_email,
            "digest_frequency": user.digest_frequency,
            "email_immediately": user.email_immediately,
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
            "home_seen_at": iso(user.home_seen_at),
            "erased_at": iso(user.erased_at),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
        "two_factor_authentication": [
            {"type": auth.type, "created_at": iso(auth.created_at), "last_used_at": iso(auth.last_used_at)}
            for auth in Authenticator.objects.filter(user=user).order_by("created_at")
        ],
        "following": [
            {"handle": f.followed.handle, "name": f.followed.public_name, "since": iso(f.created_at)}
            for f in Follow.objects.filter(follower=user).select_related("followed")
        ],
        "followers": [
            {"handle": f.follower.handle, "name": f.follower.public_name, "since": iso(f.created_at)}
            for f in Follow.objects.filter(followed=user).select_related("follower")
        ],
        # As the inbox shows them: a notice about something they may no longer read names nothing.
        "notifications": [
            {
                "kind": n.kind,
                "text": n.text if n.available else NO_LONGER_AVAILABLE,
                "url": n.url if n.available else "",
                "actor": n.actor.handle if n.actor and n.available else None,
                "created_at": iso(n.created_at),
                "read_at": iso(n.read_at),
                "emailed_at": iso(n.emailed_at),
            }
            for n in notifications_checked(user=user, notifications=notifications_for_user(user=user))
        ],
    }
    for name, exporter in personal_data_exporters().items():
        if name in data:
            raise ImproperlyConfigured(f"Personal data exporter {name!r} would replace a section of profiles")
        data[name] = exporter(user)
    return data


@transaction.atomic
def user_erase(*, user: User, by: User | None = None) -> User:
    """Erase a member's personal data (UK GDPR right to erasure). Irreversible; safe to run again.

    The row stays, anonymised, so that what they wrote keeps an author, shown as "Former member"
    (User.public_name). Every registered erasure handler runs first, inside this transaction, while the
    member's records are still as they were. Their other sessions end by themselves: every auth backend
    refuses an inactive user, and the new unusable password no longer matches the sessions' hash.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    for handler in erasure_handlers():
        handler(user)
    former_name, avatar_name = user.display_name, user.avatar.name
    # Their follows go: counted here in two statements (whoever they follow has one follower fewer, whoever
    # follows them one followed fewer), not once for each follow by its receiver.
    if is_on_the_hub(user):
        follow_counts_shift(user_id=user.pk, delta=-1)
    with follows_counted_by_caller(user.pk):
        Follow.objects.filter(Q(follower=user) | Q(followed=user)).delete()
    user.follower_count = user.following_count = 0
    Notification.objects.filter(recipient=user).delete()
    # Lines they caused in other inboxes stay, without their name ("Priya Shah started following you")
    # or a link to a profile that is gone. Every such line starts with the actor's name: only that is
    # replaced, so "Sam asked to join Samaritans Liaison" keeps the community's name whole.
    if former_name:
        Notification.objects.filter(actor=user, text__startswith=former_name).update(
            text=Left(Concat(Value(FORMER_MEMBER), Substr("text", len(former_name) + 1)), 300)
        )
    Notification.objects.filter(actor=user).update(actor=None)
    Notification.objects.filter(
        target_type=ContentType.objects.get_for_model(User), target_id=user.pk
    ).update(url="")
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=FORMER_MEMBER)
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.expertise.clear()
    user.interests.clear()
    user.groups.clear()
    user.user_permissions.clear()

    user.display_name = FORMER_MEMBER
    user.email = f"erased-{user.pk}@invalid.invalid"  # unique, and .invalid can never be delivered
    user.handle = f"former-member-{user.pk}"  # "former-member" is reserved: no live handle collides
    user.job_title = user.bio = user.bio_html = ""
    user.avatar = ""
    user.show_email = False
    user.council, user.council_linked_via = None, ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = user.home_seen_at = None
    user.erased_at = user.erased_at or timezone.now()
    user.save(
        update_fields=[
            "display_name",
            "email",
            "handle",
            "job_title",
            "bio",
            "bio_html",
            "avatar",
            "show_email",
            "council",
            "council_linked_via",
            "password",
            "is_active",
            "is_staff",
            "is_superuser",
            "last_login",
            "home_seen_at",
            "erased_at",
            "follower_count",
            "following_count",
        ]
    )
    if avatar_name:
        storage = User._meta.get_field("avatar").storage
        transaction.on_commit(lambda: storage.delete(avatar_name))
    logger.info(
        "Erased account %s (requested by %s)",
        user.pk,
        "the member" if by is None or by.pk == user.pk else f"admin {by.pk}",
    )
    return user


@transaction.atomic
def dismissal_create(*, user: User, kind: str, object_id: int) -> Dismissal:
    """The member waves a suggestion away ("People you may want to know", "Communities you may like"): it
    is never suggested to them again. Dismissing it twice keeps the one row. A person must be someone on
    the hub other than themselves; a community id is checked by the caller, which may see communities
    (profiles knows none: khub's suggestion_dismiss view asks communities.permissions)."""
    if kind not in Dismissal.Kind.values:
        raise ValidationError("That is not something the hub suggests.")
    if kind == Dismissal.Kind.PERSON and (
        object_id == user.pk or not User.objects.filter(on_the_hub(), pk=object_id).exists()
    ):
        raise ValidationError("That person is no longer on the hub.")
    dismissal, _created = Dismissal.objects.get_or_create(user=user, kind=kind, object_id=object_id)
    return dismissal
