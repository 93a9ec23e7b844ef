"""A conversation moved into a private community: nothing tells those outside it the community's name (the
other community's log, the notice of a post hidden there, the data export)."""

import pytest
from django.urls import reverse

from communities.models import Membership
from communities.selectors.conversations import open_report_count, open_reports
from communities.selectors.profiles import conversations_personal_data, personal_data
from communities.services.conversations import post_reply, post_report, thread_create
from communities.services.moderation import post_hide, thread_move
from profiles.models import Notification
from tests.communities.helpers import community, person_as
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
R = Membership.Role


def _thread(of, author, **kw):
    return thread_create(author=author, community=of, title="Winter pressures", body="What works?", **kw)


def _moved_to_private(author, mover):
    """A thread by `author` in an open community, moved by `mover` into a private one they own."""
    source, hidden = community("open", name="Adult Social Care"), community("private", name="Hidden Network")
    MembershipFactory(community=source, user=author)
    MembershipFactory(community=source, user=mover, role=R.FACILITATOR)
    MembershipFactory(community=hidden, user=mover, role=R.OWNER)
    thread = _thread(source, author)
    reply = post_reply(author=author, thread=thread, body="Our reply")
    thread_move(actor=mover, thread=thread, to=hidden)
    return source, hidden, thread, reply


def test_moving_a_thread_into_a_private_community_keeps_its_name_out_of_the_other_log(client):
    author, mover = person_as("outsider", None), person_as("outsider", None)
    source, hidden, thread, _ = _moved_to_private(author, mover)
    colleague = person_as("facilitator", source)
    client.force_login(colleague)
    page = client.get(reverse("communities:manage-log", kwargs={"slug": source.slug})).text
    assert "Moved a conversation to another community" in page
    assert "A conversation now in a community you cannot read" in page
    assert hidden.name not in page
    assert hidden.slug not in page
    assert thread.title not in page


def test_the_author_of_a_post_hidden_where_they_cannot_read_is_not_told_its_community():
    author, mover = person_as("outsider", None), person_as("outsider", None)
    _, hidden, _, reply = _moved_to_private(author, mover)
    post_hide(actor=mover, post=reply, reason="Off topic")
    assert not Notification.objects.filter(recipient=author, kind="community.post_hidden").exists()
    assert not Notification.objects.filter(recipient=author, url__contains=hidden.slug).exists()


def test_the_data_export_does_not_name_a_private_community_a_thread_was_moved_into():
    author, mover = person_as("outsider", None), person_as("outsider", None)
    _, hidden, _, reply = _moved_to_private(author, mover)
    post_hide(actor=mover, post=reply, reason="Off topic")
    about = personal_data(author)["moderation_actions_about_you"]
    assert [(entry["action"], entry["community"]) for entry in about] == [("post_hidden", None)]
    data = conversations_personal_data(author)
    assert data["threads"][0]["title"] == "Winter pressures"  # theirs: they wrote the title
    assert data["threads"][0]["community"] is None
    assert all(post["community"] is None for post in data["posts"])
    assert hidden.name not in str(data)


def test_a_moved_threads_open_reports_go_to_the_new_communitys_facilitators_and_leave_the_old_ones(client):
    author, mover = person_as("outsider", None), person_as("outsider", None)
    source = community("open", name="Adult Social Care")
    target = community("open", name="Care Leavers")
    for place in (source, target):
        MembershipFactory(community=place, user=mover, role=R.OWNER)
    MembershipFactory(community=source, user=author)
    reporter = person_as("member", source)
    thread = _thread(source, author)
    reply = post_reply(author=author, thread=thread, body="Names a resident")
    report = post_report(reporter=reporter, post=reply, reason="Names a resident")
    assert report.community == source
    assert open_report_count(community=source) == 1

    thread_move(actor=mover, thread=thread, to=target)

    assert [row.pk for row in open_reports(community=target)] == [report.pk]
    assert open_report_count(community=source) == 0
    assert open_report_count(community=target) == 1
    client.force_login(mover)
    old = client.get(reverse("communities:manage-reports", kwargs={"slug": source.slug})).text
    new = client.get(reverse("communities:manage-reports", kwargs={"slug": target.slug})).text
    assert "Names a resident" not in old
    assert "Names a resident" in new
