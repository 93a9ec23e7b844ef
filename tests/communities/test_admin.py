"""The communities admin: site admins only, derived fields kept right, a read-only log, one settings row."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from communities.admin import ThreadAdmin
from communities.models import (
    Community,
    HubSettings,
    Membership,
    ModerationLogEntry,
    Post,
    PostReport,
    Thread,
)
from communities.services.conversations import (
    post_delete,
    post_reply,
    post_report,
    thread_create,
    thread_mark_answer,
)
from communities.services.membership import community_refresh_member_count, membership_ban
from communities.services.moderation import post_hide
from profiles.models import Notification
from tests.communities.helpers import community as make_community
from tests.communities.helpers import person_as
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, VerifiedMemberFactory
from tests.profiles.people_helpers import admin_user_change

pytestmark = pytest.mark.django_db

CHANGELISTS = ["community", "membership", "moderationlogentry"]
CONVERSATION_CHANGELISTS = ["thread", "post", "postreport"]


def _admin_url(name, *args):
    return reverse(f"admin:communities_{name}", args=args)


def _inline_data(community, rows=(), new=()):
    """The change form's POST: the community's fields and its membership inline (existing rows, new rows)."""
    data = {
        "name": community.name,
        "slug": community.slug,
        "description": community.description,
        "about": community.about,
        "topics": "",
        "visibility": community.visibility,
        "created_by": community.created_by_id or "",
        "memberships-TOTAL_FORMS": str(len(rows) + len(new)),
        "memberships-INITIAL_FORMS": str(len(rows)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, membership in enumerate([*rows, *new]):
        prefix = f"memberships-{i}-"
        data.update(
            {
                f"{prefix}id": getattr(membership, "pk", "") or "",
                f"{prefix}community": community.pk,
                f"{prefix}user": membership.user_id,
                f"{prefix}role": membership.role,
                f"{prefix}state": membership.state,
                f"{prefix}joined_at_0": "",
                f"{prefix}joined_at_1": "",
            }
        )
    return data


@pytest.mark.parametrize("name", CHANGELISTS)
def test_site_admins_open_each_communities_admin_list(client, site_admin, name):
    community = CommunityFactory(name="Adult Social Care", visibility="private")
    person_as("member", community)
    client.force_login(site_admin)
    response = client.get(_admin_url(f"{name}_changelist"))
    assert response.status_code == 200
    assert "Adult Social Care" in response.text


@pytest.mark.parametrize("name", [*CHANGELISTS, "hubsettings", *CONVERSATION_CHANGELISTS])
def test_members_cannot_open_the_communities_admin(client, name):
    community = CommunityFactory()
    client.force_login(community.created_by)  # an owner of a community, but no site admin
    response = client.get(_admin_url(f"{name}_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_the_community_list_shows_member_counts_and_filters_by_visibility(client, site_admin):
    open_one = CommunityFactory(name="Procurement", visibility="open")
    for _ in range(2):
        person_as("member", open_one)
    CommunityFactory(name="Chief Executives Network", visibility="private")
    client.force_login(site_admin)
    response = client.get(_admin_url("community_changelist"))
    assert '<td class="field-member_count">3</td>' in response.text
    filtered = client.get(_admin_url("community_changelist"), {"visibility__exact": "private"})
    assert [c.name for c in filtered.context["cl"].result_list] == ["Chief Executives Network"]
    searched = client.get(_admin_url("community_changelist"), {"q": "procure"})
    assert [c.name for c in searched.context["cl"].result_list] == ["Procurement"]


def test_the_community_page_lists_owners_and_facilitators_inline_and_links_to_every_membership(
    client, site_admin
):
    community = CommunityFactory(name="Procurement")
    person_as("facilitator", community, display_name="Fran Facilitator")
    person_as("member", community, display_name="Mo Member")
    person_as("requester", community, display_name="Rae Requester")
    client.force_login(site_admin)
    response = client.get(_admin_url("community_change", community.pk))
    assert response.status_code == 200
    assert "Fran Facilitator" in response.text
    assert escape(community.created_by.display_name) in response.text  # the owner
    assert "Mo Member" not in response.text
    assert "Rae Requester" not in response.text
    assert "admin-autocomplete" in response.text
    assert 'id="id_member_count"' not in response.text  # read only: shown, never edited
    link = f"{_admin_url('membership_changelist')}?community__id__exact={community.pk}"
    assert f'<a href="{link}">All 4 memberships</a>' in response.text

    CommunityFactory(name="Planning")  # another community's owner stays out of the filtered list
    listing = client.get(link)
    assert listing.status_code == 200
    assert {m.user.display_name for m in listing.context["cl"].result_list} == {
        community.created_by.display_name,
        "Fran Facilitator",
        "Mo Member",
        "Rae Requester",
    }


def test_the_add_page_has_no_memberships_link_yet(client, site_admin):
    client.force_login(site_admin)
    response = client.get(_admin_url("community_add"))
    assert response.status_code == 200
    assert "community__id__exact" not in response.text


def _change_page(client, community):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_admin_url("community_change", community.pk))
    assert response.status_code == 200
    return response, len(queries)


def test_a_big_community_saves_and_its_page_does_not_grow_with_its_members(client, site_admin):
    small = CommunityFactory(name="Procurement")
    big = CommunityFactory(name="Homelessness")
    person_as("facilitator", small)
    person_as("facilitator", big)
    MembershipFactory.create_batch(200, community=big)
    client.force_login(site_admin)
    _change_page(client, small)  # warm up: content types, sessions
    small_page, small_queries = _change_page(client, small)
    big_page, big_queries = _change_page(client, big)
    assert big_queries == small_queries
    assert len(big_page.content) < len(small_page.content) + 100  # the link's count, not 200 rows
    assert "All 202 memberships" in big_page.text

    # The form as the page renders it: its inline rows (owner and facilitator), one new row.
    rows = list(big_page.context["inline_admin_formsets"][0].formset.get_queryset())
    assert len(rows) == 2
    newcomer = UserFactory()
    data = _inline_data(big, rows=rows, new=[Membership(user=newcomer, role="member", state="active")])
    data["description"] = "Prevention and relief duties."
    assert len(data) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    response = client.post(_admin_url("community_change", big.pk), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    big.refresh_from_db()
    assert big.description == "Prevention and relief duties."
    assert big.member_count == 203  # refreshed after the inline save
    assert Membership.objects.filter(community=big).count() == 203


def test_adding_inline_someone_who_is_already_a_member_is_refused(client, site_admin):
    community = CommunityFactory(name="Procurement")
    member = person_as("member", community)  # not shown inline, still one row per person
    client.force_login(site_admin)
    rows = list(Membership.objects.filter(community=community, role="owner"))
    data = _inline_data(
        community, rows=rows, new=[Membership(user=member, role="facilitator", state="active")]
    )
    response = client.post(_admin_url("community_change", community.pk), data)
    assert response.status_code == 200
    assert "Already has a membership here (member)" in response.text
    assert Membership.objects.get(user=member).role == "member"


def test_saving_the_about_renders_it_and_inline_changes_refresh_the_member_count(client, site_admin):
    community = CommunityFactory(name="Procurement")
    owner_row = Membership.objects.get(community=community)
    newcomer = UserFactory()
    client.force_login(site_admin)
    data = _inline_data(
        community,
        rows=[owner_row],
        new=[Membership(user=newcomer, role="member", state="active")],
    )
    data["about"] = "We meet **monthly**.<script>alert(1)</script>"
    response = client.post(_admin_url("community_change", community.pk), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    community.refresh_from_db()
    assert "<strong>monthly</strong>" in community.about_html
    assert "<script" not in community.about_html
    assert community.member_count == 2
    assert Membership.objects.get(user=newcomer).state == "active"


def test_a_reserved_slug_is_refused(client, site_admin):
    community = CommunityFactory(name="Procurement")
    client.force_login(site_admin)
    data = _inline_data(community, rows=list(Membership.objects.filter(community=community)))
    data["slug"] = "new"
    response = client.post(_admin_url("community_change", community.pk), data)
    assert response.status_code == 200
    assert "is the address of another page" in response.text
    assert Community.objects.get(pk=community.pk).slug == "procurement"


def test_the_membership_list_filters_by_state_and_role_and_keeps_counts_right(client, site_admin):
    community = CommunityFactory(name="Procurement")
    member = person_as("member", community)
    person_as("requester", community)
    client.force_login(site_admin)
    url = _admin_url("membership_changelist")
    assert client.get(url, {"state__exact": "requested"}).context["cl"].result_count == 1
    assert client.get(url, {"role__exact": "owner"}).context["cl"].result_count == 1
    membership = Membership.objects.get(user=member)
    response = client.post(_admin_url("membership_delete", membership.pk), {"post": "yes"})
    assert response.status_code == 302
    assert Community.objects.get(pk=community.pk).member_count == 1


def test_the_moderation_log_can_be_read_but_never_added_changed_or_deleted(client, site_admin):
    community = CommunityFactory(name="Procurement")
    member = person_as("member", community, display_name="Mo Member")
    membership_ban(actor=community.created_by, community=community, user=member, reason="Spam")
    entry = ModerationLogEntry.objects.get(action="banned")
    client.force_login(site_admin)
    listing = client.get(_admin_url("moderationlogentry_changelist"), {"action__exact": "banned"})
    assert listing.context["cl"].result_count == 1
    assert "Mo Member" in listing.text
    assert "Spam" in listing.text
    detail = client.get(_admin_url("moderationlogentry_change", entry.pk))
    assert detail.status_code == 200
    assert 'name="reason"' not in detail.text  # shown, not editable
    assert client.get(_admin_url("moderationlogentry_add")).status_code == 403
    assert (
        client.post(_admin_url("moderationlogentry_change", entry.pk), {"reason": "Changed"}).status_code
        == 403
    )
    assert client.post(_admin_url("moderationlogentry_delete", entry.pk), {"post": "yes"}).status_code == 403
    assert ModerationLogEntry.objects.get(pk=entry.pk).reason == "Spam"


def test_hub_settings_are_a_single_row_the_list_opens_directly(client, site_admin):
    client.force_login(site_admin)
    response = client.get(_admin_url("hubsettings_changelist"))
    settings_row = HubSettings.objects.get()
    assert response.status_code == 302
    assert response.url == _admin_url("hubsettings_change", settings_row.pk)
    assert client.get(response.url).status_code == 200
    assert client.get(_admin_url("hubsettings_add")).status_code == 403
    assert client.post(_admin_url("hubsettings_delete", settings_row.pk), {"post": "yes"}).status_code == 403
    assert HubSettings.objects.count() == 1


def test_switching_creation_to_admins_only_forbids_the_create_page_to_everyone_else(client, site_admin):
    client.force_login(site_admin)
    settings_row = HubSettings.load()
    response = client.post(
        _admin_url("hubsettings_change", settings_row.pk),
        {"community_creation": "admins", "posts_per_minute": "10"},
    )
    assert response.status_code == 302
    assert HubSettings.load().community_creation == "admins"
    assert client.get(reverse("communities:create")).status_code == 200  # site admins still may

    client.force_login(VerifiedMemberFactory())
    response = client.get(reverse("communities:create"))
    assert response.status_code == 403
    assert "only site admins create communities" in response.text


def test_hub_settings_show_and_save_the_posting_rate_limit(client, site_admin):
    client.force_login(site_admin)
    url = _admin_url("hubsettings_change", HubSettings.load().pk)
    page = client.get(url)
    assert 'name="posts_per_minute"' in page.text
    assert "posts a member may write per minute" in page.text.lower()
    response = client.post(url, {"community_creation": "verified", "posts_per_minute": "3"})
    assert response.status_code == 302
    assert HubSettings.load().posts_per_minute == 3
    refused = client.post(url, {"community_creation": "verified", "posts_per_minute": "0"})
    assert refused.status_code == 200
    assert HubSettings.load().posts_per_minute == 3


def test_deactivating_someone_in_the_admin_takes_them_out_of_every_member_count_and_back(client, site_admin):
    communities = [CommunityFactory(visibility=v) for v in ("open", "restricted", "private")]
    person = UserFactory()
    for community in communities:
        MembershipFactory(community=community, user=person)
        community_refresh_member_count(community=community)
    client.force_login(site_admin)

    def counts():
        return [Community.objects.get(pk=c.pk).member_count for c in communities]

    assert counts() == [2, 2, 2]  # the owner and the person
    response = admin_user_change(client, person, is_active=None)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert counts() == [1, 1, 1]
    response = admin_user_change(client, person, is_active="on")
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert counts() == [2, 2, 2]


# --- Conversations ----------------------------------------------------------------------------------------
def _owner(of: Community):
    return Membership.objects.get(community=of, role=Membership.Role.OWNER).user


def _no_rate_limit() -> None:
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 1000
    settings_row.save()


def _conversation(place: Community, *, title="Temporary accommodation costs", kind="discussion", replies=1):
    """A thread started by a member, with `replies` replies by other members; the last one reported."""
    author = person_as("member", place)
    thread = thread_create(author=author, community=place, title=title, body="How do you cope?", kind=kind)
    posts = [
        post_reply(author=person_as("member", place), thread=thread, body=f"Reply {n}")
        for n in range(replies)
    ]
    if posts:
        post_report(reporter=author, post=posts[-1], reason="Names a tenant")
    return thread, posts


def test_site_admins_see_conversations_posts_and_reports_in_private_communities(client, site_admin):
    place = make_community("private", name="Chief Executives Network")
    thread, (reply,) = _conversation(place, title="Pay negotiations")
    client.force_login(site_admin)
    threads = client.get(_admin_url("thread_changelist"))
    assert threads.status_code == 200
    assert "Pay negotiations" in threads.text
    assert "Chief Executives Network" in threads.text
    assert '<td class="field-reply_count">1</td>' in threads.text
    posts = client.get(_admin_url("post_changelist"))
    assert [p.pk for p in posts.context["cl"].result_list] == [
        reply.pk,
        thread.opening_post_id,
    ]  # newest first
    assert "Reply 0" in posts.text
    reports = client.get(_admin_url("postreport_changelist"))
    assert "Names a tenant" in reports.text
    assert "Pay negotiations" in reports.text


def test_the_conversation_lists_filter_and_search(client, site_admin):
    place = make_community("open")
    question, _ = _conversation(place, title="Which housing register software?", kind="question")
    discussion, (reply,) = _conversation(place, title="Temporary accommodation costs")
    post_hide(actor=_owner(place), post=reply, reason="Names a tenant")
    client.force_login(site_admin)

    def results(name, **query):
        return list(client.get(_admin_url(f"{name}_changelist"), query).context["cl"].result_list)

    assert results("thread", kind__exact="question") == [question]
    assert results("thread", q="accommodation") == [discussion]
    assert results("post", state__exact="hidden") == [reply]
    assert [p.body for p in results("post", q="how do you cope")] == ["How do you cope?"] * 2
    assert [r.post for r in results("postreport", state__exact="resolved")] == [reply]
    assert results("postreport", state__exact="open") == [PostReport.objects.get(post__thread=question)]


def _changelist_queries(client, name) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_admin_url(f"{name}_changelist"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("name", "limit"), [("thread", 6), ("post", 6), ("postreport", 8)])
def test_the_conversation_lists_take_the_same_queries_whatever_their_length(
    client, site_admin, django_assert_max_num_queries, name, limit
):
    _no_rate_limit()
    client.force_login(site_admin)
    places = [make_community(v) for v in ("open", "restricted", "private")]
    _conversation(places[0], replies=2)
    _changelist_queries(client, name)  # warm up: content types, the session
    small = _changelist_queries(client, name)
    for n in range(12):
        _conversation(places[n % 3], title=f"Conversation {n}", replies=2)
    with django_assert_max_num_queries(limit):
        response = client.get(_admin_url(f"{name}_changelist"))
    assert len(response.context["cl"].result_list) > 12
    assert _changelist_queries(client, name) == small


def test_threads_and_posts_are_never_added_or_deleted_in_the_admin(client, site_admin):
    thread, (reply,) = _conversation(make_community("open"))
    client.force_login(site_admin)
    assert client.get(_admin_url("thread_add")).status_code == 403
    assert client.get(_admin_url("post_add")).status_code == 403
    assert client.post(_admin_url("post_delete", reply.pk), {"post": "yes"}).status_code == 403
    assert client.post(_admin_url("thread_delete", thread.pk), {"post": "yes"}).status_code == 403
    assert Post.objects.filter(pk=reply.pk).exists()
    for name in ("post", "thread"):
        assert "delete_selected" not in client.get(_admin_url(f"{name}_changelist")).text


def test_reports_can_be_read_but_never_added_changed_or_deleted(client, site_admin):
    _conversation(make_community("open"))
    report = PostReport.objects.get()
    client.force_login(site_admin)
    detail = client.get(_admin_url("postreport_change", report.pk))
    assert detail.status_code == 200
    assert 'name="reason"' not in detail.text
    assert client.get(_admin_url("postreport_add")).status_code == 403
    changed = client.post(_admin_url("postreport_change", report.pk), {"reason": "x", "state": "dismissed"})
    assert changed.status_code == 403
    assert client.post(_admin_url("postreport_delete", report.pk), {"post": "yes"}).status_code == 403
    assert PostReport.objects.get(pk=report.pk).state == "open"


def _thread_data(thread: Thread, **changes) -> dict:
    data = {"title": thread.title, "kind": thread.kind, "tags": ", ".join(thread.tags.names())}
    if thread.pinned:
        data["pinned"] = "on"
    if thread.locked:
        data["locked"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_thread_page_shows_the_tree_and_counters_read_only(client, site_admin):
    thread, _ = _conversation(make_community("open"), replies=2)
    client.force_login(site_admin)
    page = client.get(_admin_url("thread_change", thread.pk))
    assert page.status_code == 200
    assert 'name="title"' in page.text
    for field in ("community", "author", "opening_post", "answer", "reply_count", "post_sequence"):
        assert f'name="{field}"' not in page.text, field
    assert '<div class="readonly">2</div>' in page.text  # the reply count, shown


def test_correcting_a_title_saves_only_the_title_never_a_stale_copy_of_the_counters(
    client, site_admin, monkeypatch
):
    place = make_community("open")
    thread, _ = _conversation(place)
    stale = Thread.objects.get(pk=thread.pk)  # as the admin read it ...
    post_reply(author=_owner(place), thread=thread, body="... just before this reply was saved")
    monkeypatch.setattr(ThreadAdmin, "get_object", lambda self, request, object_id, from_field=None: stale)
    client.force_login(site_admin)
    data = _thread_data(stale, title="TA costs", tags="Budgets, Housing")
    response = client.post(_admin_url("thread_change", thread.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    thread.refresh_from_db()
    assert thread.title == "TA costs"
    assert sorted(thread.tags.names()) == ["Budgets", "Housing"]
    assert (thread.reply_count, thread.post_sequence) == (2, 3)  # the reply's, not the stale copy's


def test_tags_corrected_in_the_admin_follow_the_sites_rule_one_per_name_whatever_the_case(client, site_admin):
    place = make_community("open")
    thread, _ = _conversation(place)
    thread_create(author=_owner(place), community=place, title="Other", body="Text", tags=["Housing"])
    client.force_login(site_admin)
    url = _admin_url("thread_change", thread.pk)
    response = client.post(url, _thread_data(thread, tags="housing, Budgets, BUDGETS"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    names = sorted(thread.tags.names(), key=str.lower)
    assert [n.lower() for n in names] == ["budgets", "housing"]  # once each, whatever the case
    assert names[1] == "Housing"  # the existing tag's spelling
    refused = client.post(url, _thread_data(thread, tags=", ".join(f"tag {n}" for n in range(11))))
    assert refused.status_code == 200
    assert "Enter 10 tags or fewer." in refused.text


def test_pinning_and_locking_in_the_admin_go_through_the_moderation_log(client, site_admin):
    place = make_community("open")
    thread, _ = _conversation(place)
    client.force_login(site_admin)
    url = _admin_url("thread_change", thread.pk)
    response = client.post(url, _thread_data(thread, pinned="on", locked="on"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    thread.refresh_from_db()
    assert (thread.pinned, thread.locked) == (True, True)
    log = ModerationLogEntry.objects.filter(community=place, thread=thread)
    assert sorted(log.values_list("action", "actor")) == [
        ("locked", site_admin.pk),
        ("pinned", site_admin.pk),
    ]
    client.post(url, _thread_data(thread, title="Renamed"))  # no pin or lock change: no line
    assert log.count() == 2


def test_a_question_made_a_discussion_in_the_admin_loses_its_answer(client, site_admin):
    place = make_community("open")
    thread, (reply,) = _conversation(place, kind="question")
    thread_mark_answer(actor=_owner(place), thread=thread, post=reply)
    client.force_login(site_admin)
    response = client.post(_admin_url("thread_change", thread.pk), _thread_data(thread, kind="discussion"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    thread.refresh_from_db()
    assert (thread.kind, thread.answer) == ("discussion", None)


def test_the_post_page_shows_the_text_and_the_tree_read_only(client, site_admin):
    _, (reply,) = _conversation(make_community("open"))
    client.force_login(site_admin)
    page = client.get(_admin_url("post_change", reply.pk))
    assert page.status_code == 200
    assert "Reply 0" in page.text
    for field in ("thread", "author", "parent", "path", "depth", "body", "body_html", "helpful_count"):
        assert f'name="{field}"' not in page.text, field
    assert 'name="state"' in page.text


def test_hiding_a_post_in_the_admin_needs_a_reason_and_goes_through_the_service(client, site_admin):
    place = make_community("open")
    thread, (reply,) = _conversation(place)
    client.force_login(site_admin)
    url = _admin_url("post_change", reply.pk)
    refused = client.post(url, {"state": "hidden", "reason": "  "})
    assert refused.status_code == 200
    assert "Give a reason" in refused.text
    assert Post.objects.get(pk=reply.pk).state == "visible"

    response = client.post(url, {"state": "hidden", "reason": "Names a tenant"})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.state, reply.moderation_reason, reply.moderated_by) == (
        "hidden",
        "Names a tenant",
        site_admin,
    )
    assert Thread.objects.get(pk=thread.pk).reply_count == 0
    assert PostReport.objects.get(post=reply).state == "resolved"
    entry = ModerationLogEntry.objects.get(action="post_hidden")
    assert (entry.actor, entry.post, entry.reason) == (site_admin, reply, "Names a tenant")
    assert Notification.objects.filter(recipient=reply.author, kind="community.post_hidden").exists()

    response = client.post(url, {"state": "visible", "reason": "Reported in error"})
    assert response.status_code == 302
    assert Post.objects.get(pk=reply.pk).state == "visible"
    assert Thread.objects.get(pk=thread.pk).reply_count == 1
    assert ModerationLogEntry.objects.get(action="post_unhidden").reason == "Reported in error"


def test_the_admin_neither_deletes_a_post_for_its_author_nor_touches_one_they_deleted(client, site_admin):
    place = make_community("open")
    _, (first, second) = _conversation(place, replies=2)
    post_delete(actor=second.author, post=second)
    client.force_login(site_admin)
    refused = client.post(_admin_url("post_change", first.pk), {"state": "deleted", "reason": ""})
    assert refused.status_code == 200
    assert "Only its author deletes a post" in refused.text
    for state, reason in [("visible", ""), ("hidden", "Names a tenant")]:
        refused = client.post(_admin_url("post_change", second.pk), {"state": state, "reason": reason})
        assert refused.status_code == 200
        assert "Its author deleted this post: it stays as they left it." in refused.text
    assert list(Post.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk").values_list("state")) == [
        ("visible",),
        ("deleted",),
    ]
    assert not ModerationLogEntry.objects.filter(action__startswith="post_").exists()
