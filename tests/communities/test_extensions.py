"""What communities adds to profiles: the profile section, conversations among a member's contributions,
the data export and account erasure."""

import json

import pytest
from django.urls import reverse

from communities.models import (
    Community,
    HubSettings,
    Membership,
    ModerationLogEntry,
    Post,
    PostReaction,
    PostReport,
    Thread,
    ThreadRead,
    ThreadWatch,
)
from communities.selectors.profiles import (
    conversation_contributions,
    conversations_personal_data,
    personal_data,
    profile_communities,
)
from communities.services.conversations import (
    post_delete,
    post_edit,
    post_helpful_toggle,
    post_reply,
    post_report,
    thread_create,
    thread_watch_set,
)
from communities.services.membership import (
    membership_approve,
    membership_ban,
    membership_decline,
    membership_join,
)
from communities.services.moderation import post_hide, report_dismiss
from profiles.extensions import recent_contributions
from profiles.models import Notification
from profiles.services import user_erase, user_personal_data
from tests.communities.helpers import community, person_as
from tests.factories import AdminFactory, CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    person = UserFactory(display_name="Priya Shah")
    for name, visibility, role in [
        ("Adult Social Care", "open", "member"),
        ("Digital Transformation", "restricted", "facilitator"),
        ("Chief Executives Network", "private", "member"),
    ]:
        MembershipFactory(
            community=CommunityFactory(name=name, visibility=visibility), user=person, role=role
        )
    MembershipFactory(community=CommunityFactory(name="Procurement"), user=person, state="requested")
    MembershipFactory(community=CommunityFactory(name="Planning"), user=person, state="left")
    return person


def _names(section):
    return [m.community.name for m in section.context["memberships"]]


def test_the_profile_section_lists_active_memberships_whose_members_the_viewer_may_read(person):
    # Open communities show to every signed-in member; restricted and private ones only to their members.
    outsider = UserFactory()
    assert _names(profile_communities(outsider, person)) == ["Adult Social Care"]
    for relation in ("requester", "invited", "left", "banned"):
        for name in ("Digital Transformation", "Chief Executives Network"):
            bystander = person_as(relation, Community.objects.get(name=name))
            assert _names(profile_communities(bystander, person)) == ["Adult Social Care"], (relation, name)
    fellow = person_as("member", Community.objects.get(name="Digital Transformation"))
    assert _names(profile_communities(fellow, person)) == ["Adult Social Care", "Digital Transformation"]
    fellow = person_as("member", Community.objects.get(name="Chief Executives Network"))
    assert _names(profile_communities(fellow, person)) == ["Adult Social Care", "Chief Executives Network"]
    everything = ["Adult Social Care", "Chief Executives Network", "Digital Transformation"]
    assert _names(profile_communities(person, person)) == everything
    assert _names(profile_communities(AdminFactory(), person)) == everything


def test_the_profile_section_runs_one_query_whatever_the_number(person, django_assert_num_queries):
    viewer = UserFactory()
    for _ in range(10):
        MembershipFactory(community=CommunityFactory(), user=person)
    with django_assert_num_queries(1):
        profile_communities(viewer, person)


def test_the_profile_page_shows_outsiders_only_open_communities(client, person):
    client.force_login(UserFactory())
    html = client.get(reverse("profiles:profile", args=[person.handle])).text
    assert ">Communities</h2>" in html
    assert "Adult Social Care" in html
    # A restricted community's members page is members-only: the profile must not rebuild it.
    assert "Digital Transformation" not in html
    assert "Chief Executives Network" not in html
    assert "Procurement" not in html


def test_the_profile_page_shows_a_fellow_member_the_restricted_community(client, person):
    client.force_login(person_as("member", Community.objects.get(name="Digital Transformation")))
    html = client.get(reverse("profiles:profile", args=[person.handle])).text
    assert "Digital Transformation</a>" in html
    assert "(facilitator)" in html
    assert "Chief Executives Network" not in html


def test_the_profile_section_says_when_there_is_nothing_to_show(client):
    lonely = UserFactory()
    client.force_login(lonely)
    assert (
        "You are not in any communities yet"
        in client.get(reverse("profiles:profile", args=[lonely.handle])).text
    )
    client.force_login(UserFactory())
    assert (
        "Not in any communities you can see"
        in client.get(reverse("profiles:profile", args=[lonely.handle])).text
    )


def test_the_data_export_holds_memberships_and_moderation_actions(person):
    community = Community.objects.get(name="Digital Transformation")
    target = person_as("requester", community)
    membership_decline(actor=person, community=community, user=target, message="Not a council officer")
    membership_join(user=UserFactory(), community=community)
    open_one = Community.objects.get(name="Adult Social Care")
    membership_ban(actor=open_one.created_by, community=open_one, user=person, reason="Adverts")

    data = user_personal_data(user=person)["communities"]
    json.dumps(data)  # serialisable as it is
    memberships = {m["community"]["name"]: m for m in data["memberships"]}
    assert set(memberships) == {
        "Adult Social Care",
        "Chief Executives Network",
        "Digital Transformation",
        "Planning",
        "Procurement",
    }
    assert memberships["Digital Transformation"]["role"] == "facilitator"
    assert memberships["Procurement"]["state"] == "requested"
    assert memberships["Adult Social Care"]["state"] == "banned"
    assert data["moderation_actions_taken"] == [
        {
            "community": {"name": "Digital Transformation", "slug": community.slug},
            "action": "request_declined",
            "subject": target.display_name,
            "reason": "Not a council officer",
            "created_at": data["moderation_actions_taken"][0]["created_at"],
        }
    ]
    about = data["moderation_actions_about_you"]
    assert [(a["action"], a["reason"]) for a in about] == [("banned", "Adverts")]
    assert "actor" not in about[0]


def test_erasure_deletes_memberships_refreshes_counts_and_keeps_the_log(person):
    community = Community.objects.get(name="Digital Transformation")
    target = person_as("requester", community)
    membership_approve(actor=person, community=community, user=target, message="Welcome")
    counts_before = dict(Community.objects.values_list("name", "member_count"))

    user_erase(user=person)

    assert not Membership.objects.filter(user=person).exists()
    counts = dict(Community.objects.values_list("name", "member_count"))
    for name in ("Adult Social Care", "Digital Transformation", "Chief Executives Network"):
        assert counts[name] == counts_before[name] - 1
    entry = ModerationLogEntry.objects.get(action="request_approved")
    assert (entry.actor_id, entry.reason) == (person.pk, "Welcome")
    entry.actor.refresh_from_db()
    assert entry.actor.public_name == "Former member"
    assert personal_data(person)["memberships"] == []


def test_erasing_the_last_owner_makes_the_longest_serving_facilitator_the_owner():
    community = CommunityFactory()
    person_as("member", community)
    facilitator = person_as("facilitator", community)
    user_erase(user=community.created_by)
    community.refresh_from_db()
    assert community.member_count == 2
    assert Membership.objects.get(community=community, role="owner").user == facilitator
    entry = ModerationLogEntry.objects.get(community=community, action="made_owner")
    assert entry.actor is None
    assert entry.subject == facilitator
    assert Notification.objects.filter(recipient=facilitator, kind="community.role_changed").exists()


def test_erasing_the_last_owner_of_a_community_without_facilitators_makes_a_member_the_owner():
    community = CommunityFactory()
    member = person_as("member", community)
    user_erase(user=community.created_by)
    assert Membership.objects.get(community=community, role="owner").user == member


def test_erasing_one_of_two_owners_changes_no_roles():
    community = CommunityFactory()
    person_as("owner", community)
    member = person_as("member", community)
    user_erase(user=community.created_by)
    assert Membership.objects.get(community=community, user=member).role == "member"
    assert not ModerationLogEntry.objects.filter(community=community, action="made_owner").exists()


# --- Conversations ----------------------------------------------------------------------------------------
def _posts_per_minute(limit: int) -> None:
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = limit
    settings_row.save()


def _start(place: Community, author, title: str, body: str = "How do you cope?", **fields) -> Thread:
    return thread_create(author=author, community=place, title=title, body=body, **fields)


def _reply(thread: Thread, author, body: str = "We pool our budgets.", parent: Post | None = None) -> Post:
    return post_reply(author=author, thread=thread, body=body, parent=parent)


def _owner(of: Community):
    return Membership.objects.get(community=of, role=Membership.Role.OWNER).user


def _seen(viewer, person, limit: int = 10) -> list[tuple[str, str, str]]:
    return [(c.kind, c.title, c.where) for c in conversation_contributions(viewer, person, limit)]


def test_contributions_are_the_conversations_started_and_the_replies_newest_first_with_permalinks():
    housing = community("open", name="Housing")
    person = person_as("member", housing, display_name="Priya Shah")
    started = _start(housing, person, "Temporary accommodation costs")
    asked = _start(housing, _owner(housing), "Which housing register software?")
    reply = _reply(asked, person, "We use Abritas.")

    contributions = conversation_contributions(UserFactory(), person, 10)

    assert [(c.kind, c.title, c.where) for c in contributions] == [
        ("Reply", "Which housing register software?", "Housing"),
        ("Conversation", "Temporary accommodation costs", "Housing"),
    ]
    assert contributions[0].url == reply.get_absolute_url()
    assert contributions[1].url == started.opening_post.get_absolute_url()
    assert contributions[0].url.endswith(f"/conversations/{asked.pk}/posts/{reply.pk}/")
    assert contributions[0].created_at == reply.created_at
    assert len(conversation_contributions(UserFactory(), person, 1)) == 1


@pytest.mark.parametrize("visibility", ["restricted", "private"])
@pytest.mark.parametrize(
    ("relation", "sees"),
    [
        ("outsider", False),
        ("requester", False),
        ("invited", False),
        ("declined", False),
        ("left", False),
        ("removed", False),
        ("banned", False),
        ("member", True),
        ("facilitator", True),
        ("site_admin", True),
    ],
)
def test_a_closed_communitys_posts_show_only_to_those_who_may_read_it(visibility, relation, sees):
    place = community(visibility, name="Chief Executives Network")
    person = person_as("member", place)
    _reply(_start(place, person, "Budget setting"), person, "And the reserves?")
    viewer = person_as(relation, place)
    expected = [("Reply", "Budget setting", place.name), ("Conversation", "Budget setting", place.name)]
    assert _seen(viewer, person) == (expected if sees else [])
    assert _seen(person, person) == expected  # their own, while they are a member


def test_deleted_and_hidden_posts_are_not_contributions():
    place = community("open")
    person = person_as("member", place)
    facilitator = _owner(place)
    kept = _start(place, person, "Kept")
    _reply(kept, person, "A reply that stays")
    post_delete(actor=person, post=_start(place, person, "Deleted by its author").opening_post)
    post_hide(actor=facilitator, post=_reply(kept, person, "Spam"), reason="Advertising")
    assert _seen(UserFactory(), person) == [
        ("Reply", "Kept", place.name),
        ("Conversation", "Kept", place.name),
    ]


@pytest.mark.parametrize("size", [2, 12])
def test_contributions_take_one_query_whatever_the_number_and_the_communities(
    size, django_assert_max_num_queries
):
    _posts_per_minute(100)
    person = UserFactory()
    for n in range(size):
        place = community(["open", "restricted", "private"][n % 3])
        MembershipFactory(community=place, user=person)
        _reply(_start(place, person, f"Conversation {n}"), person)
    viewer = AdminFactory()
    with django_assert_max_num_queries(1):
        contributions = conversation_contributions(viewer, person, 10)
    assert len(contributions) == min(10, 2 * size)
    member = UserFactory()
    with django_assert_max_num_queries(1):
        conversation_contributions(member, person, 10)


def test_the_profile_page_lists_conversations_the_viewer_may_read(client):
    open_one = community("open", name="Adult Social Care")
    private = community("private", name="Chief Executives Network")
    person = person_as("member", open_one, display_name="Priya Shah")
    MembershipFactory(community=private, user=person)
    public = _start(open_one, person, "Direct payments uptake")
    _start(private, person, "Pay negotiations")
    assert [c.title for c in recent_contributions(viewer=person, person=person)] == [
        "Pay negotiations",
        "Direct payments uptake",
    ]

    client.force_login(UserFactory())
    html = client.get(reverse("profiles:profile", args=[person.handle])).text
    assert "Conversation in Adult Social Care" in html
    assert f'href="{public.opening_post.get_absolute_url()}"' in html
    assert "Pay negotiations" not in html
    assert "Chief Executives Network" not in html


@pytest.fixture
def conversationalist(db):
    """Priya, in an open community: she started a thread, replied, edited, reacted, watched, muted and
    reported; a hidden reply of hers; a thread started by someone else."""
    _posts_per_minute(100)
    place = community("open", name="Housing")
    priya = person_as("member", place, display_name="Priya Shah")
    sam = person_as("member", place, display_name="Sam Okoro")
    own = _start(place, priya, "Temporary accommodation costs", "How do you cope?", tags=["Budgets"])
    others = _start(place, sam, "Which housing register software?", kind=Thread.Kind.QUESTION)
    reply = _reply(others, priya, "We use Abritas.")
    post_edit(actor=priya, post=reply, body="We use Abritas, and like it.")
    hidden = _reply(others, priya, "Buy my software!")
    post_hide(actor=_owner(place), post=hidden, reason="Advertising")
    sams_reply = _reply(own, sam, "We pool our budgets.")
    post_helpful_toggle(user=priya, post=sams_reply)
    post_helpful_toggle(user=priya, post=others.opening_post)
    thread_watch_set(user=priya, thread=others, state=ThreadWatch.State.MUTED)
    post_report(reporter=priya, post=sams_reply, reason="Names a tenant")
    dismissed = post_report(reporter=priya, post=others.opening_post, reason="Off topic")
    report_dismiss(actor=_owner(place), report=dismissed)
    return {
        "priya": priya,
        "sam": sam,
        "own": own,
        "others": others,
        "reply": reply,
        "sams_reply": sams_reply,
    }


def test_the_data_export_holds_their_conversations_and_what_they_did_to_others_posts(conversationalist):
    priya, own, others = conversationalist["priya"], conversationalist["own"], conversationalist["others"]
    reply, sams_reply = conversationalist["reply"], conversationalist["sams_reply"]
    data = user_personal_data(user=priya)["conversations"]
    json.dumps(data)  # serialisable as it is
    housing = {"name": "Housing", "slug": own.community.slug}

    assert [(t["title"], t["community"], t["kind"], t["tags"]) for t in data["threads"]] == [
        ("Temporary accommodation costs", housing, "discussion", ["Budgets"])
    ]
    assert data["threads"][0]["created_at"] == own.created_at.isoformat()
    assert [(p["thread"], p["body"], p["state"], p["opening_post"]) for p in data["posts"]] == [
        ("Temporary accommodation costs", "How do you cope?", "visible", True),
        ("Which housing register software?", "We use Abritas, and like it.", "visible", False),
        ("Which housing register software?", "Buy my software!", "hidden", False),
    ]
    edited = data["posts"][1]
    assert edited["id"] == reply.pk
    assert edited["edited_at"] is not None
    assert data["posts"][0]["edited_at"] is None
    assert [(r["post_id"], r["body"]) for r in data["post_revisions"]] == [(reply.pk, "We use Abritas.")]
    assert [(r["post_id"], r["thread"]) for r in data["posts_found_helpful"]] == [
        (sams_reply.pk, "Temporary accommodation costs"),
        (others.opening_post_id, "Which housing register software?"),
    ]
    assert [(w["thread"], w["state"]) for w in data["watched_threads"]] == [
        ("Temporary accommodation costs", "watching"),
        ("Which housing register software?", "muted"),
    ]
    assert [(r["post_id"], r["thread"], r["reason"], r["state"]) for r in data["reports_made"]] == [
        (sams_reply.pk, "Temporary accommodation costs", "Names a tenant", "open"),
        (others.opening_post_id, "Which housing register software?", "Off topic", "dismissed"),
    ]
    assert data["reports_made"][1]["decided_at"] is not None
    assert "decided_by" not in data["reports_made"][1]  # the facilitator's data, not hers


def test_the_data_export_of_someone_who_never_took_part_is_empty_lists():
    data = conversations_personal_data(UserFactory())
    assert set(data) == {
        "threads",
        "posts",
        "post_revisions",
        "posts_found_helpful",
        "watched_threads",
        "reports_made",
        "threads_read",
    }
    assert all(value == [] for value in data.values())


def test_erasure_keeps_what_they_wrote_and_drops_watches_reactions_and_report_reasons(conversationalist):
    priya, sam = conversationalist["priya"], conversationalist["sam"]
    sams_reply, others = conversationalist["sams_reply"], conversationalist["others"]
    post_helpful_toggle(user=person_as("member", others.community), post=sams_reply)  # a second reaction
    posts_before = list(Post.objects.filter(author=priya).values_list("pk", "body", "state"))
    assert conversations_personal_data(priya)["threads_read"]  # she read what she wrote in

    user_erase(user=priya)

    # What she wrote stays, as by "Former member".
    assert list(Post.objects.filter(author=priya).values_list("pk", "body", "state")) == posts_before
    assert Thread.objects.get(author=priya).title == "Temporary accommodation costs"
    priya.refresh_from_db()
    assert priya.public_name == "Former member"
    # What only said something about her goes; the counts follow; others' rows stay.
    assert not ThreadWatch.objects.filter(user=priya).exists()
    assert not ThreadRead.objects.filter(user=priya).exists()
    assert ThreadWatch.objects.filter(user=sam).count() == 2  # he started one and replied in the other
    assert not PostReaction.objects.filter(user=priya).exists()
    assert Post.objects.get(pk=sams_reply.pk).helpful_count == 1
    assert Post.objects.get(pk=others.opening_post_id).helpful_count == 0
    assert PostReaction.objects.filter(post=sams_reply).count() == 1
    # Her reports stay for the facilitators (an open one open), without what she wrote in them.
    reports = PostReport.objects.filter(reporter=priya).order_by("created_at", "pk")
    assert [(r.reason, r.state) for r in reports] == [("", "open"), ("", "dismissed")]

    data = conversations_personal_data(priya)
    assert data["watched_threads"] == data["posts_found_helpful"] == data["threads_read"] == []
    assert [r["reason"] for r in data["reports_made"]] == ["", ""]

    user_erase(user=priya)  # safe to run again
    assert Post.objects.get(pk=sams_reply.pk).helpful_count == 1
