"""People on the page (issue 19): everyone shown has their photo or their initials on their colour (never a
blank circle), author lines carry picture, name, job title, council and time, and dates say how long ago in
a <time> element with the exact moment."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from communities.models import Post
from communities.services.conversations import post_reply, thread_create
from core import dates
from core.avatars import colour_index
from profiles.services import follow_create, user_erase
from tests.communities.helpers import community, person_as
from tests.factories import CouncilFactory, UserFactory

pytestmark = pytest.mark.django_db

TIME = re.compile(r'<time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>')


def _initials(html: str, letters: str, handle: str) -> bool:
    colour = f"khub-avatar--colour-{colour_index(handle)}"
    return (
        re.search(rf'<span class="khub-avatar [^"]*{colour}" aria-hidden="true">{letters}</span>', html)
        is not None
    )


def _byline(html: str, post: Post) -> str:
    return re.search(rf'<p [^>]*id="post-{post.pk}-by">.*?</p>', html, re.S)[0]


def _with_photo(person):
    person.avatar.save("face.webp", ContentFile(b"RIFF"), save=True)  # a name is all a page reads
    return person


def test_the_directory_shows_initials_for_people_without_a_photo_and_photos_for_the_others(client, member):
    plain = UserFactory(display_name="Fatima Al-Rahman")
    pictured = _with_photo(UserFactory(display_name="Priya Shah"))
    client.force_login(member)
    html = client.get(reverse("profiles:people")).text
    assert _initials(html, "FA", plain.handle)
    src = reverse("profiles:avatar", args=[pictured.handle, pictured.avatar.name.rsplit("/", 1)[1]])
    assert f'<img class="khub-avatar khub-avatar--m" src="{src}" alt=""' in html
    assert not _initials(html, "PS", pictured.handle)
    assert "khub-avatar--empty" not in html


def test_a_profile_heading_shows_the_large_picture(client, member):
    person = UserFactory(display_name="Olu Ade")
    client.force_login(member)
    html = client.get(reverse("profiles:profile", args=[person.handle])).text
    assert re.search(
        r'class="khub-avatar khub-avatar--l khub-avatar--initials [^"]*" aria-hidden="true">OA<', html
    )


def test_a_post_author_line_is_one_line_of_picture_name_job_council_and_how_long_ago(client):
    place = community("open")
    author = person_as(
        "member",
        place,
        display_name="Sam Jones",
        job_title="Head of Digital",
        council=CouncilFactory(name="Leeds"),
    )
    thread = thread_create(author=author, community=place, title="Bins", body="How?", kind="discussion")
    reply = post_reply(author=author, thread=thread, body="Like this.")
    written = timezone.now() - timedelta(hours=2, minutes=5)
    Post.objects.filter(pk=reply.pk).update(created_at=written)
    client.force_login(person_as("member", place))
    html = client.get(reverse("communities:thread", args=[place.slug, thread.pk])).text
    line = _byline(html, reply)
    assert _initials(line, "SJ", author.handle)
    assert ">Sam Jones</a>" in line
    assert '<span class="khub-byline__role">Head of Digital, Leeds</span>' in line
    moment, title, label = TIME.search(line).groups()
    # Before 02:05 the reply was written yesterday: then its day and time (a run can cross midnight).
    same_day = timezone.localtime(written).date() == timezone.localdate()
    assert label == ("2 hours ago" if same_day else dates.label(written))
    assert moment.startswith(str(timezone.localtime(written).date()))
    assert " at " in title
    # One line without stray spaces: the parts are spaced by the flex gap, not by text between the tags.
    assert not re.search(r">\s+<", line)


def test_an_erased_author_shows_as_former_member_with_fm_and_no_name(client):
    place = community("open")
    author = person_as("member", place, display_name="Dana Quill", council=CouncilFactory(name="York"))
    thread = thread_create(author=author, community=place, title="Bins", body="How?", kind="discussion")
    reply = post_reply(author=author, thread=thread, body="Like this.")
    user_erase(user=author)
    author.refresh_from_db()
    client.force_login(person_as("member", place))
    html = client.get(reverse("communities:thread", args=[place.slug, thread.pk])).text
    line = _byline(html, reply)
    assert _initials(line, "FM", author.handle)
    assert "Former member" in line
    assert "Dana" not in html
    assert "Quill" not in html
    assert "DQ<" not in html
    assert "khub-byline__role" not in line  # no job title, no council


def test_a_notification_shows_its_sender_initials_and_when_in_a_time_element(client, member):
    follower = UserFactory(display_name="Kofi Mensah")
    follow_create(follower=follower, followed=member)
    client.force_login(member)
    html = client.get(reverse("profiles:notifications")).text
    assert _initials(html, "KM", follower.handle)
    assert "From Kofi Mensah," in html
    assert TIME.search(html).group(3) in ("just now", "1 minute ago")
    assert "khub-avatar--xs" in html


def test_the_conversations_list_shows_the_starter_and_last_activity_as_how_long_ago(client):
    place = community("open")
    starter = person_as("member", place, display_name="Lena Ortiz")
    thread_create(author=starter, community=place, title="Bins", body="How?", kind="discussion")
    client.force_login(person_as("member", place))
    html = client.get(reverse("communities:threads", args=[place.slug])).text
    assert _initials(html, "LO", starter.handle)
    assert re.search(r"last activity <time datetime=\"[^\"]+\" title=\"[^\"]+\">just now</time>", html)
