"""The conversation models: what the database itself guarantees."""

import pytest

from communities.models import Post
from communities.services import conversations as cs
from tests.communities.helpers import community, person_as


@pytest.mark.django_db
def test_deleting_a_community_deletes_its_threads_through_the_reply_tree():
    c = community("open")
    m = person_as("member", c)
    t = cs.thread_create(author=m, community=c, title="T", body="b")
    r = cs.post_reply(author=m, thread=t, body="r")
    cs.post_reply(author=m, thread=t, body="rr", parent=r)
    c.delete()
    assert Post.objects.count() == 0
