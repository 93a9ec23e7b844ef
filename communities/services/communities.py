"""Creating and changing a community: its name (unique among those the creator can see), its address, its
description and topics. The titles and labels of what is written in it (threads, stories) are checked here
too.

Errors a person can fix are ValidationError with a message to show as it is.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from communities import permissions
from communities.models import RESERVED_SLUGS, Community, Membership, ModerationLogEntry
from communities.services.log import moderation_log_write
from communities.services.membership import community_refresh_member_count, membership_approve
from core.markdown import markdown_render
from profiles.models import User
from profiles.services import tags_resolve

S = Membership.State
R = Membership.Role
A = ModerationLogEntry.Action
MAX_TOPICS = 10
NAME_TAKEN = "That name is already taken. Choose another name."


# --- Validation ---------------------------------------------------------------------------------------
def clean_title(title: str, *, most: int) -> str:
    """A thread's or a story's title: spaces collapsed, required, at most `most` characters."""
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "Enter a title."})
    if len(title) > most:
        raise ValidationError({"title": f"The title must be {most} characters or fewer."})
    return title


def clean_labels(labels: list[str] | None, *, field: str, noun: str, most: int) -> list[str]:
    """Topic or tag names as typed: one per name whatever its case (the first spelling wins), since
    tags_resolve only reuses existing tags and "Housing" with "housing" would otherwise make two."""
    by_name: dict[str, str] = {}
    for label in labels or []:
        if label.strip():
            by_name.setdefault(label.strip().lower(), label.strip())
    cleaned = list(by_name.values())
    if any("\x00" in label for label in cleaned):
        raise ValidationError({field: f"A {noun} cannot contain null characters."})
    if len(cleaned) > most:
        raise ValidationError({field: f"Enter {most} {noun}s or fewer."})
    if any(len(label) > 50 for label in cleaned):
        raise ValidationError({field: f"Each {noun} must be 50 characters or fewer."})
    return cleaned


def _clean_topics(topics: list[str]) -> list[str]:
    return clean_labels(topics, field="topics", noun="topic", most=MAX_TOPICS)


def _check_about(about: str) -> None:
    # A TextField's max_length reaches only the form widget: full_clean() does not enforce it.
    limit = Community._meta.get_field("about").max_length
    if len(about) > limit:
        raise ValidationError({"about": f"About this community must be {limit} characters or fewer."})


def _validate_name(*, name: str, viewer: User, exclude_pk: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Enter a name for the community."})
    # Only names the viewer can see are taken for them: a private community's name must not give it away.
    clash = permissions.visible_communities(viewer).filter(name__iexact=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": NAME_TAKEN})
    return name


# --- Saving -------------------------------------------------------------------------------------------
def _save_named(community: Community, **save) -> None:
    """Save, turning the database's refusal of a listed name taken meanwhile into the form's message."""
    try:
        with transaction.atomic():
            community.save(**save)
    except IntegrityError as error:
        raise ValidationError({"name": NAME_TAKEN}) from error


def _free_slug(name: str) -> str:
    stem = slugify(name)[:90].strip("-") or "community"
    if stem in RESERVED_SLUGS:
        stem = f"{stem}-community"
    taken = set(Community.objects.filter(slug__startswith=stem).values_list("slug", flat=True))
    slug, suffix = stem, 2
    while slug in taken:
        slug, suffix = f"{stem}-{suffix}", suffix + 1
    return slug


@transaction.atomic
def community_create(
    *,
    creator: User,
    name: str,
    description: str,
    visibility: str,
    about: str = "",
    topics: list[str] | None = None,
) -> Community:
    if not permissions.can_create_community(user=creator):
        raise PermissionDenied("You cannot create a community.")
    name = _validate_name(name=name, viewer=creator)
    topics = _clean_topics(topics or [])
    _check_about(about)
    now = timezone.now()
    community = Community(
        name=name,
        slug=_free_slug(name),
        description=description.strip(),
        about=about,
        about_html=markdown_render(about),
        visibility=visibility,
        created_by=creator,
        created_at=now,
        last_activity_at=now,
    )
    community.full_clean(validate_constraints=False)  # the name was checked above, as the creator sees it
    _save_named(community)
    community.topics.set(tags_resolve(topics))
    Membership.objects.create(
        community=community, user=creator, role=R.OWNER, state=S.ACTIVE, joined_at=now, updated_at=now
    )
    community_refresh_member_count(community=community)
    permissions.membership_forget(community=community)
    permissions.standing_forget(user=creator)
    moderation_log_write(community=community, actor=creator, action=A.CREATED)
    return community


@transaction.atomic
def community_update(
    *,
    actor: User,
    community: Community,
    name: str,
    description: str,
    visibility: str,
    about: str = "",
    topics: list[str] | None = None,
    members_create_events: bool | None = None,
    members_upload_documents: bool | None = None,
) -> Community:
    """Change a community's settings; members_create_events or members_upload_documents None leaves that
    setting as it is."""
    permissions.check_manage(user=actor, community=community)
    was_open = community.is_open
    community.name = _validate_name(name=name, viewer=actor, exclude_pk=community.pk)
    _check_about(about)
    community.description = description.strip()
    community.about = about
    community.about_html = markdown_render(about)
    community.visibility = visibility
    if members_create_events is not None:
        community.members_create_events = members_create_events
    if members_upload_documents is not None:
        community.members_upload_documents = members_upload_documents
    topics = _clean_topics(topics or [])
    community.full_clean(validate_constraints=False)
    _save_named(
        community,
        update_fields=[
            "name",
            "description",
            "about",
            "about_html",
            "visibility",
            "members_create_events",
            "members_upload_documents",
        ],
    )
    community.topics.set(tags_resolve(topics))
    moderation_log_write(community=community, actor=actor, action=A.SETTINGS_CHANGED)
    if community.is_open and not was_open:
        # Anyone may now join at once: those who asked need not wait for a decision nobody will make.
        waiting = User.objects.filter(memberships__community=community, memberships__state=S.REQUESTED)
        for user in waiting:
            membership_approve(actor=actor, community=community, user=user)
    return community
