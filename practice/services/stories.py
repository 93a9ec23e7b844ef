"""Writing, publishing, archiving a story and changing who can read it.

A draft needs only a title and its home community; publishing needs the record's core (summary, service
area, challenge, what we did, outcomes) and an author with a verified council. The first publication starts
the story's discussion in the home community (communities' conversations) and tells the community's
members, in the same transaction as the story.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from communities import permissions as community_permissions
from communities.models import Community, Membership, ModerationLogEntry
from communities.services.communities import clean_labels, clean_title
from communities.services.conversations import thread_create
from communities.services.log import moderation_log_write
from core.markdown import markdown_render
from practice import permissions
from practice.models import (
    RECORD_SECTIONS,
    RESERVED_SLUGS,
    SECTION_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    Endorsement,
    MeasuredOutcome,
    PracticeStory,
    ServiceArea,
)
from practice.services import authors_notify, locked_story
from profiles.models import User
from profiles.permissions import on_the_hub
from profiles.services import notification_send, notifications_send_many, tags_resolve

A = PracticeStory.Audience
ST = PracticeStory.Status
TITLE_MAX_LENGTH = PracticeStory._meta.get_field("title").max_length
MAX_TAGS = 10
MAX_CO_AUTHORS = 10
MAX_LINKS = 20
MAX_MEASURES = 10
AUDIENCE_BREADTH = {A.COMMUNITY: 0, A.MEMBERS: 1, A.PUBLIC: 2}
REQUIRED_TO_PUBLISH = (
    ("summary", "Write a summary"),
    ("service_area", "Choose a service area"),
    ("challenge", "Describe the challenge"),
    ("what_we_did", "Say what you did"),
    ("outcomes", "Describe the outcomes"),
)
_url = URLValidator(schemes=["http", "https"])


# --- Validation -----------------------------------------------------------------------------------------
def _clean_summary(summary: str) -> str:
    summary = " ".join((summary or "").split())
    if len(summary) > SUMMARY_MAX_LENGTH:
        raise ValidationError(
            {
                "summary": f"The summary must be {SUMMARY_MAX_LENGTH} characters or fewer. "
                f"It has {len(summary)}."
            }
        )
    return summary


def _clean_sections(sections: dict[str, str]) -> dict[str, str]:
    cleaned = {}
    for name, heading in RECORD_SECTIONS:
        text = (sections.get(name) or "").strip()
        if len(text) > SECTION_MAX_LENGTH:
            raise ValidationError(
                {name: f"{heading} must be {SECTION_MAX_LENGTH:,} characters or fewer. It has {len(text):,}."}
            )
        cleaned[name] = text
    return cleaned


def _clean_links(links: list[dict] | None) -> list[dict]:
    cleaned = []
    for link in links or []:
        url, title = (link.get("url") or "").strip(), " ".join((link.get("title") or "").split())
        if not url:
            continue
        if "\x00" in url + title:
            raise ValidationError({"evidence_links": "Links cannot contain null characters."})
        try:
            _url(url)
        except ValidationError:
            raise ValidationError(
                {"evidence_links": f"Enter each link as a web address starting https:// ({url[:80]} is not)."}
            ) from None
        cleaned.append({"url": url, "title": title[:200]})
    if len(cleaned) > MAX_LINKS:
        raise ValidationError({"evidence_links": f"Enter {MAX_LINKS} links or fewer."})
    return cleaned


def _number(value, *, field: str, metric: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"measures": f"Enter {field} for “{metric}” as a number, like 12 or 3.5."}
        ) from None
    if number.is_finite() and abs(number) < Decimal("1e12"):
        number = number.quantize(Decimal("0.01"))  # rounding can reach the limit: check after it
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ValidationError({"measures": f"Enter {field} for “{metric}” as a number below a trillion."})
    return number


def _clean_measures(measures: list[dict] | None) -> list[dict]:
    cleaned = []
    for measure in measures or []:
        metric = " ".join((measure.get("metric") or "").split())
        before, after = measure.get("before"), measure.get("after")
        unit = " ".join((measure.get("unit") or "").split())
        if not metric and before in (None, "") and after in (None, "") and not unit:
            continue
        if not metric:
            raise ValidationError({"measures": "Name what each measured outcome measured."})
        if len(metric) > 200 or len(unit) > 50:
            raise ValidationError({"measures": "Keep a measure's name to 200 characters and its unit to 50."})
        if before in (None, "") or after in (None, ""):
            raise ValidationError({"measures": f"Enter the value before and after for “{metric}”."})
        cleaned.append(
            {
                "metric": metric,
                "before": _number(before, field="the value before", metric=metric),
                "after": _number(after, field="the value after", metric=metric),
                "unit": unit,
            }
        )
    if len(cleaned) > MAX_MEASURES:
        raise ValidationError({"measures": f"Enter {MAX_MEASURES} measured outcomes or fewer."})
    return cleaned


def _clean_co_authors(handles: list[str] | None, *, author: User) -> list[User]:
    wanted = {handle.strip().lstrip("@").lower() for handle in handles or [] if handle.strip().lstrip("@")}
    if len(wanted) > MAX_CO_AUTHORS:
        raise ValidationError({"co_authors": f"Enter {MAX_CO_AUTHORS} co-authors or fewer."})
    people = list(User.objects.filter(on_the_hub(), handle__in=wanted))
    missing = wanted - {person.handle for person in people}
    if missing:
        raise ValidationError(
            {
                "co_authors": "There is no member with the handle "
                f"{', '.join(sorted(missing))}. Check the spelling."
            }
        )
    return [person for person in people if person.pk != author.pk]


def _clean_audience(audience: str) -> str:
    if audience not in A.values:
        raise ValidationError({"audience": "Choose who can read the story."})
    return audience


def _check_home(author: User, community: Community) -> None:
    community_permissions.check_see(user=author, community=community)  # a private one's outsiders: 404
    if not community_permissions.can_participate(user=author, community=community):
        raise ValidationError({"community": "Choose a community you are a member of."})


def _slug_for(title: str) -> str:
    base = (slugify(title)[:200] or "story").strip("-") or "story"
    if base in RESERVED_SLUGS:
        base = f"{base}-story"
    slug, number = base, 1
    while PracticeStory.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _apply(story: PracticeStory, *, title, summary, service_area, audience, sections, evidence_links) -> None:
    story.title = clean_title(title, most=TITLE_MAX_LENGTH)
    story.summary = _clean_summary(summary)
    if service_area and service_area not in ServiceArea.values:
        raise ValidationError({"service_area": "Choose a service area from the list."})
    story.service_area = service_area or ""
    if audience is not None:
        story.audience = _clean_audience(audience)
    for name, text in _clean_sections(sections).items():
        setattr(story, name, text)
        setattr(story, f"{name}_html", markdown_render(text))
    story.evidence_links = _clean_links(evidence_links)


def _save_related(story: PracticeStory, *, tags, co_authors, measures, actor: User) -> None:
    _tags_set(story, tags)
    _co_authors_set(story, co_authors, actor=actor)
    _measures_set(story, measures)


def _tags_set(story: PracticeStory, tags) -> None:
    story.tags.set(tags_resolve(clean_labels(tags, field="tags", noun="tag", most=MAX_TAGS)))


def _co_authors_set(story: PracticeStory, co_authors: list[User], *, actor: User) -> None:
    before = set(story.co_authors.values_list("pk", flat=True))
    story.co_authors.set(co_authors)
    story.__dict__.pop("_co_author_ids", None)
    added = [person.pk for person in co_authors if person.pk not in before]
    if added:  # an author does not endorse their own story: a new co-author's endorsement goes
        gone, _ = Endorsement.objects.filter(story=story, user_id__in=added).delete()
        if gone:
            PracticeStory.objects.filter(pk=story.pk).update(endorsement_count=F("endorsement_count") - gone)
    for person in co_authors:
        if person.pk not in before:
            notification_send(
                recipient=person,
                kind="practice.co_author",
                text=f"{actor.public_name} added you as a co-author of “{story.title}”",
                url=story.get_absolute_url(),
                actor=actor,
                target=story,
            )


def _measures_set(story: PracticeStory, measures: list[dict]) -> None:
    story.measures.all().delete()
    MeasuredOutcome.objects.bulk_create(
        MeasuredOutcome(story=story, position=position, **measure)
        for position, measure in enumerate(measures)
    )


# --- Writing -----------------------------------------------------------------------------------------------
@transaction.atomic
def story_create(
    *,
    author: User,
    community: Community,
    title: str,
    summary: str = "",
    service_area: str = "",
    audience: str = A.COMMUNITY,
    sections: dict[str, str] | None = None,
    evidence_links: list[dict] | None = None,
    tags: list[str] | None = None,
    co_authors: list[str] | None = None,
    measures: list[dict] | None = None,
) -> PracticeStory:
    """A new draft. Only its authors can see it until it is published."""
    _check_home(author, community)
    story = PracticeStory(author=author, community=community)
    _apply(
        story,
        title=title,
        summary=summary,
        service_area=service_area,
        audience=audience,
        sections=sections or {},
        evidence_links=evidence_links,
    )
    people, measures = _clean_co_authors(co_authors, author=author), _clean_measures(measures)
    for attempt in range(5):  # two stories of the same title saved at once: the second takes the next slug
        story.slug = _slug_for(story.title)
        try:
            with transaction.atomic():
                story.save()
            break
        except IntegrityError:
            if attempt == 4:
                raise
    _save_related(story, tags=tags, co_authors=people, measures=measures, actor=author)
    return story


@transaction.atomic
def story_update(
    *,
    actor: User,
    story: PracticeStory,
    title: str,
    summary: str = "",
    service_area: str = "",
    sections: dict[str, str] | None = None,
    evidence_links: list[dict] | None = None,
    tags: list[str] | None = None,
    co_authors: list[str] | None = None,
    measures: list[dict] | None = None,
    audience: str | None = None,
    community: Community | None = None,
) -> PracticeStory:
    """Change what a story says. Its audience and home community change here only while it is a draft: a
    published story's audience changes through story_audience_set, a confirmed and logged step."""
    story = locked_story(story)
    permissions.check_edit(user=actor, story=story)
    if not story.is_draft and (
        (audience is not None and audience != story.audience)
        or (community is not None and community.pk != story.community_id)
    ):
        raise ValidationError({"audience": "Change who can read a published story from its page."})
    if community is not None and community.pk != story.community_id:
        if actor.pk != story.author_id:  # the author publishes there, so only they choose it
            raise ValidationError({"community": "Only the story's author can change its home community."})
        _check_home(actor, community)
        story.community = community
    _apply(
        story,
        title=title,
        summary=summary,
        service_area=service_area,
        audience=audience if story.is_draft else None,
        sections=sections or {},
        evidence_links=evidence_links,
    )
    # Only the author names co-authors: a co-author cannot remove the others or add people.
    people = (
        _clean_co_authors(co_authors, author=story.author)
        if actor.pk == story.author_id
        else list(story.co_authors.all())
    )
    measures = _clean_measures(measures)
    if not story.is_draft:  # a published story keeps what publishing required
        missing = missing_to_publish(story)
        if missing:
            raise ValidationError(
                {name: f"{message}: a published story needs it." for name, message in missing}
            )
    story.updated_at = timezone.now()
    story.save()
    _save_related(story, tags=tags, co_authors=people, measures=measures, actor=actor)
    return story


def missing_to_publish(story: PracticeStory) -> list[tuple[str, str]]:
    """(field, message) for each part a story needs before it can be published."""
    return [(name, message) for name, message in REQUIRED_TO_PUBLISH if not getattr(story, name)]


def _discussion_body(story: PracticeStory) -> str:
    return f"{story.summary}\n\n[Read the story: {story.title}]({story.get_absolute_url()})"


@transaction.atomic
def story_publish(*, actor: User, story: PracticeStory) -> PracticeStory:
    """Publish a draft (or bring back an archived story). The first time: the author's council is recorded,
    the discussion starts in the home community and its members are told."""
    story = locked_story(story)
    permissions.check_edit(user=actor, story=story)
    if story.is_published:
        raise ValidationError("This story is already published.")
    if not permissions.can_publish(user=actor, story=story):
        if actor.pk != story.author_id:
            raise PermissionDenied("Only the story's author can publish it.")
        if not actor.has_verified_affiliation:
            raise PermissionDenied(
                "Only members with a verified council affiliation can publish. Sign in with your council "
                "email address, or ask a site admin to confirm your council."
            )
        raise PermissionDenied("Join the story's home community again to publish it there.")
    missing = missing_to_publish(story)
    if missing:
        raise ValidationError({name: f"{message} before you publish." for name, message in missing})
    now = timezone.now()
    first_time = story.published_at is None
    story.status = ST.PUBLISHED
    if first_time:
        story.published_at = now
        story.council_id = actor.council_id
    story.updated_at = now
    story.save(update_fields=["status", "published_at", "council", "updated_at"])
    if first_time:
        try:
            thread = thread_create(
                author=actor,
                community=story.community,
                title=story.title,
                body=_discussion_body(story),
                tags=[tag.name for tag in story.tags.all()],
            )
        except ValidationError as error:  # the post rate limit: nothing is published
            raise ValidationError(" ".join(error.messages)) from None
        story.discussion = thread
        story.save(update_fields=["discussion"])
        members = User.objects.filter(
            memberships__community=story.community, memberships__state=Membership.State.ACTIVE
        )
        notifications_send_many(
            recipients=members,
            kind="practice.published",
            text=f"{actor.public_name} published a story in {story.community.name}: “{story.title}”",
            url=story.get_absolute_url(),
            actor=actor,
            target=story,
        )
        # Co-authors outside the community hear of it too, without its name (it may be private to them).
        notifications_send_many(
            recipients=story.co_authors.exclude(pk__in=members.values("pk")),
            kind="practice.published",
            text=f"{actor.public_name} published “{story.title}”, which you wrote together",
            url=story.get_absolute_url(),
            actor=actor,
            target=story,
        )
    return story


@transaction.atomic
def story_archive(*, actor: User, story: PracticeStory) -> PracticeStory:
    """Take a published story out of the library; its page stays for its audience."""
    story = locked_story(story)
    permissions.check_edit(user=actor, story=story)
    if not story.is_published:
        raise ValidationError("Only a published story can be archived.")
    story.status, story.updated_at = ST.ARCHIVED, timezone.now()
    story.save(update_fields=["status", "updated_at"])
    return story


@transaction.atomic
def story_audience_set(
    *, actor: User, story: PracticeStory, audience: str, confirmed: bool = False
) -> PracticeStory:
    """Change who can read a published or archived story. Widening needs `confirmed` (the page asks);
    every change is in the home community's moderation log and the other authors are told."""
    story = locked_story(story)
    permissions.check_edit(user=actor, story=story)
    audience = _clean_audience(audience)
    if story.is_draft:
        raise ValidationError({"audience": "Choose a draft's audience when you edit it."})
    if audience == story.audience:
        raise ValidationError({"audience": "That is already who can read it."})
    widening = AUDIENCE_BREADTH[audience] > AUDIENCE_BREADTH[story.audience]
    if widening and not confirmed:
        raise ValidationError({"confirm": "Confirm that you want more people to read this story."})
    before = story.get_audience_display()
    story.audience, story.updated_at = audience, timezone.now()
    story.save(update_fields=["audience", "updated_at"])
    now = story.get_audience_display()
    moderation_log_write(
        community=story.community,
        actor=actor,
        action=ModerationLogEntry.Action.STORY_AUDIENCE,
        reason=f"From “{before}” to “{now}”.",
        about_title=story.title,
        about_url=story.get_absolute_url(),
    )
    authors_notify(
        story=story,
        actor=actor,
        kind="audience",
        text=f"{actor.public_name} changed who can read “{story.title}”: {now.lower()}",
    )
    return story
