"""Writing a story as a GOV.UK task list: a draft from its title and home community, the task list with
each section's status and when it was saved, a page per section that saves that section only (and nothing
on a mistake), check your answers with its Change links and the Publish button; the old edit address; the
query counts, which do not grow with the story's tags, measures, links or co-authors.

Who may open each page, for every role and story, is in test_authz.py; hostile input in test_xss.py.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from communities.models import Thread
from communities.services.membership import membership_leave
from practice.models import WRITING_STEPS, MeasuredOutcome, PracticeStory
from practice.services.writing import COMPLETED, INCOMPLETE, NOT_STARTED, story_step_save, writing_progress
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, VerifiedMemberFactory
from tests.practice.helpers import RECORD, author_in, draft_story, published_story

pytestmark = pytest.mark.django_db

A = PracticeStory.Audience
ST = PracticeStory.Status
STEPS = [step.slug for step in WRITING_STEPS]


def _url(name: str, story: PracticeStory | None = None, **kwargs) -> str:
    return reverse(f"practice:{name}", kwargs={"slug": story.slug, **kwargs} if story else kwargs)


def _step(story: PracticeStory, step: str) -> str:
    return _url("write-step", story, step=step)


def _fresh(story: PracticeStory) -> PracticeStory:
    return PracticeStory.objects.get(pk=story.pk)


def _banners(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _statuses(page) -> dict[str, str]:
    """Each task's title and status as the task list shows them."""
    rows = re.findall(
        r'govuk-task-list__link"[^>]*>([^<]+)</a>.*?govuk-task-list__status"[^>]*>\s*(.*?)\s*</div>',
        page.text,
        re.S,
    )
    return {title: re.sub(r"<[^>]+>", "", status).strip() for title, status in rows}


def _fields(page) -> set[str]:
    """The names of the fields the page's main content asks for (not its buttons, nor the header's search)."""
    main = page.text[page.text.index("<main") : page.text.index("</main>")]
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="(\w+)"', main)) - {
        "csrfmiddlewaretoken",
        "from",
    }


def _new_draft(client, place, title="Missed bins reported online") -> PracticeStory:
    client.post(_url("create"), {"title": title, "community": place.pk})
    return PracticeStory.objects.get(title=title)


SUMMARY = {
    "title": "Missed bins reported online",
    "summary": "Residents report a missed bin in two clicks and crews see it the same day.",
    "service_area": "environment",
    "tags": "waste, channel shift",
}


# --- A new draft ---------------------------------------------------------------------------------------
def test_a_new_story_asks_only_for_its_title_and_home_community_then_opens_its_task_list(client):
    place = CommunityFactory(name="Waste Officers")
    author = author_in(place)
    client.force_login(author)
    page = client.get(_url("create"))
    assert page.status_code == 200
    assert _fields(page) == {"title", "community"}
    assert "Waste Officers" in page.text

    saved = client.post(_url("create"), {"title": "Missed bins reported online", "community": place.pk})
    story = PracticeStory.objects.get()
    assert saved.status_code == 302
    assert saved.url == _url("write", story)
    assert (story.status, story.author, story.community, story.audience) == (
        ST.DRAFT,
        author,
        place,
        A.COMMUNITY,
    )
    task_list = client.get(saved.url)
    assert _banners(task_list) == ["Your draft is saved. Only you and your co-authors can see it."]


def test_a_new_story_without_a_title_or_home_is_explained_and_nothing_is_saved(client):
    place = CommunityFactory()
    client.force_login(author_in(place))
    response = client.post(_url("create"), {"title": "", "community": ""})
    assert response.status_code == 200
    assert response.text.count('class="govuk-error-summary"') == 1
    assert '<a href="#id_title">Enter a title</a>' in response.text
    assert '<a href="#id_community">Choose the story&#x27;s home community</a>' in response.text
    assert "<title>Error: " in response.text
    other = CommunityFactory()  # not theirs
    refused = client.post(_url("create"), {"title": "Bins", "community": other.pk})
    assert "Choose a community you are a member of" in refused.text
    assert not PracticeStory.objects.exists()


def test_a_member_of_no_community_is_told_to_join_one_first(client):
    client.force_login(VerifiedMemberFactory())
    page = client.get(_url("create"))
    assert "you are not a member of any yet" in page.text
    assert 'name="title"' not in page.text


# --- The task list -------------------------------------------------------------------------------------
def test_the_task_list_shows_each_section_its_status_and_when_it_was_saved(client):
    place = CommunityFactory()
    client.force_login(author_in(place))
    story = _new_draft(client, place)
    page = client.get(_url("write", story))
    assert page.status_code == 200
    assert 'class="govuk-task-list"' in page.text
    assert _statuses(page) == {
        "Summary and context": "Incomplete",  # it has its title
        "Challenge": "Not yet started",
        "What we did": "Not yet started",
        "Outcomes and measures": "Not yet started",
        "Evidence": "Not yet started",
        "Cost": "Not yet started",
        "Lessons": "Not yet started",
        "Audience and publish": "Not yet started",
    }
    assert '<strong class="govuk-tag govuk-tag--blue">Incomplete</strong>' in page.text
    assert "0 of 8 sections completed" in page.text
    saved = timezone.localtime(story.updated_at)
    assert re.search(
        rf'Draft saved at <time datetime="{re.escape(story.updated_at.isoformat())}"'
        rf"[^>]*>{saved:%H:%M}</time>",
        page.text,
    )
    for step in STEPS:
        assert f'href="{_step(story, step)}"' in page.text

    client.post(_step(story, "challenge"), {"challenge": RECORD["challenge"], "action": "return"})
    client.post(_step(story, "cost"), {"cost_and_resources": "", "action": "return"})  # nothing to add: done
    page = client.get(_url("write", story))
    statuses = _statuses(page)
    assert (statuses["Challenge"], statuses["Cost"], statuses["Evidence"]) == (
        COMPLETED,
        COMPLETED,
        NOT_STARTED,
    )
    assert "2 of 8 sections completed" in page.text
    stamp = _fresh(story).sections_saved["challenge"]
    assert f'Saved at <time datetime="{stamp}"' in page.text


def test_a_section_is_complete_when_what_publishing_needs_from_it_is_written():
    story = draft_story(summary="", sections={**RECORD, "outcomes": "", "evidence": ""}, evidence_links=[])
    progress = {item.step.slug: item for item in writing_progress(story)}
    assert progress["summary"].status == INCOMPLETE  # the service area, without the summary
    assert progress["summary"].missing == ("Write a summary",)
    assert progress["outcomes"].status == NOT_STARTED
    assert progress["challenge"].status == COMPLETED
    assert progress["evidence"].status == NOT_STARTED
    assert progress["lessons"].status == COMPLETED  # optional, and written
    assert progress["audience"].status == NOT_STARTED
    published = published_story()
    assert {item.step.slug: item.status for item in writing_progress(published)}["audience"] == COMPLETED


# --- A section's page ----------------------------------------------------------------------------------
FIELDS = {
    "summary": {"title", "summary", "service_area", "community", "tags"},
    "challenge": {"challenge"},
    "what-we-did": {"what_we_did"},
    "outcomes": {"outcomes"}
    | {f"measure_{i}_{p}" for i in range(3) for p in ("metric", "before", "after", "unit")},
    "evidence": {"evidence", "evidence_links"},
    "cost": {"cost_and_resources"},
    "lessons": {"lessons_learned", "do_differently"},
    "audience": {"audience", "co_authors"},
}


@pytest.mark.parametrize("step", STEPS)
def test_each_section_asks_for_its_own_fields_only(client, step):
    story = draft_story(sections={})
    client.force_login(story.author)
    page = client.get(_step(story, step))
    assert page.status_code == 200
    assert _fields(page) == FIELDS[step]
    assert re.search(r'name="action"\s+value="continue"[^>]*>Save and continue</button>', page.text)
    assert re.search(r'value="return"[^>]*>Save and return to the task list</button>', page.text)
    markdown = page.text.count('name="markdown_preview"')
    assert page.text.count("Formatting help") == (1 if markdown else 0)  # once a page, with the first


def test_an_unknown_section_is_not_found(client):
    story = draft_story()
    client.force_login(story.author)
    assert client.get(_step(story, "epilogue")).status_code == 404


def test_save_and_continue_leads_to_the_next_section_and_the_last_to_check_your_answers(client):
    place = CommunityFactory()
    client.force_login(author_in(place))
    story = _new_draft(client, place)
    moved = client.post(_step(story, "summary"), {**SUMMARY, "community": place.pk, "action": "continue"})
    assert moved.url == _step(story, "challenge")
    story = _fresh(story)
    assert (story.summary, story.service_area) == (SUMMARY["summary"], "environment")
    assert sorted(tag.name for tag in story.tags.all()) == ["channel shift", "waste"]
    last = client.post(
        _step(story, "audience"), {"audience": A.PUBLIC, "co_authors": "", "action": "continue"}
    )
    assert last.url == _url("check", story)
    back = client.post(_step(story, "challenge"), {"challenge": "Calls *took* days.", "action": "return"})
    assert back.url == _url("write", story)
    story = _fresh(story)
    assert story.audience == A.PUBLIC
    assert story.challenge_html == "<p>Calls <em>took</em> days.</p>\n"
    assert set(story.sections_saved) == {"summary", "audience", "challenge"}


def test_a_section_changed_from_check_your_answers_returns_there(client):
    story = draft_story()
    client.force_login(story.author)
    page = client.get(_step(story, "cost") + "?from=check")
    assert '<input type="hidden" name="from" value="check">' in page.text
    assert "Back to check your answers" in page.text
    assert "Save and return to check your answers" in page.text
    saved = client.post(_step(story, "cost"), {"cost_and_resources": "One developer", "from": "check"})
    assert saved.url == _url("check", story)
    assert _fresh(story).cost_and_resources == "One developer"


def test_outcomes_and_measures_are_saved_together(client):
    story = draft_story()
    client.force_login(story.author)
    data = {
        "outcomes": "Same day.",
        "measure_0_metric": "Days to reach crews",
        "measure_0_before": "3",
        "measure_0_after": "0.5",
        "measure_0_unit": "days",
    }
    client.post(_step(story, "outcomes"), data)
    measure = _fresh(story).measures.get()
    assert (measure.metric, str(measure.before), str(measure.after), measure.unit) == (
        "Days to reach crews",
        "3.00",
        "0.50",
        "days",
    )
    page = client.get(_step(story, "outcomes"))
    assert 'value="Days to reach crews"' in page.text
    assert 'value="0.5"' in page.text


MISTAKES = {
    "empty title": ("summary", {**SUMMARY, "title": ""}, "Enter a title", ""),
    "long summary": (
        "summary",
        {**SUMMARY, "summary": "s" * 281},
        "The summary must be 280 characters",
        "s" * 281,
    ),
    "bad link": (
        "evidence",
        {"evidence": "A report", "evidence_links": "www.example.gov.uk/report The report"},
        "Enter each link as a web address starting https://",
        "www.example.gov.uk/report The report",
    ),
    "measure not a number": (
        "outcomes",
        {
            "outcomes": "Better",
            "measure_0_metric": "Days to reach crews",
            "measure_0_before": "three",
            "measure_0_after": "1",
        },
        "Enter the value before for “Days to reach crews” as a number, like 12 or 3.5.",
        'value="three"',
    ),
    "null in a link": (
        "evidence",
        {"evidence": "", "evidence_links": "https://example.com/a\x00b report"},
        "Null characters are not allowed.",
        "",
    ),
    "null in a tag": ("summary", {**SUMMARY, "tags": "wa\x00ste"}, "Null characters are not allowed.", ""),
    "unknown co-author": (
        "audience",
        {"audience": A.MEMBERS, "co_authors": "@nobody-here"},
        "There is no member with the handle nobody-here",
        "@nobody-here",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_mistake_is_explained_keeps_what_was_typed_and_saves_nothing(client, mistake):
    story = draft_story(title="Missed bins reported online")
    client.force_login(story.author)
    step, data, message, kept = MISTAKES[mistake]
    before = PracticeStory.objects.filter(pk=story.pk).values().get()
    tags = sorted(tag.name for tag in story.tags.all())
    response = client.post(
        _step(story, step), {**data, "community": story.community_id, "action": "continue"}
    )
    assert response.status_code == 200
    assert response.text.count('class="govuk-error-summary"') == 1
    assert message in response.text
    assert "<title>Error: " in response.text
    assert kept in response.text
    assert "govuk-form-group--error" in response.text or mistake.startswith("measure")
    assert PracticeStory.objects.filter(pk=story.pk).values().get() == before  # not even its saved time
    assert sorted(tag.name for tag in story.tags.all()) == tags
    assert not MeasuredOutcome.objects.exists()


def test_two_sections_saved_from_pages_opened_before_either_save_both_stay():
    """Two co-authors open the draft at once, one writes the challenge, the other the summary: each save
    writes its own section only, so the second does not put back the first one's old challenge."""
    place = CommunityFactory()
    co_author = author_in(place)
    story = draft_story(community=place, co_authors=[co_author.handle])
    first, second = _fresh(story), _fresh(story)  # each co-author's copy, read before either saves
    story_step_save(
        actor=story.author, story=first, step="challenge", values={"challenge": "Calls took days."}
    )
    story_step_save(
        actor=co_author,
        story=second,
        step="summary",
        values={
            "title": "Bins, fixed",
            "summary": "Crews see it the same day.",
            "service_area": "housing",
            "tags": [],
        },
    )
    story = _fresh(story)
    assert story.challenge == "Calls took days."
    assert story.challenge_html == "<p>Calls took days.</p>\n"
    assert (story.title, story.summary, story.service_area) == (
        "Bins, fixed",
        "Crews see it the same day.",
        "housing",
    )
    assert set(story.sections_saved) == {"challenge", "summary"}
    # And a stale copy saved whole would have lost it: the test can fail.
    second.save()
    assert _fresh(story).challenge == RECORD["challenge"]


def test_a_section_save_refuses_fields_of_another_section():
    story = draft_story()
    with pytest.raises(ValueError, match="Not fields of the challenge section"):
        story_step_save(actor=story.author, story=story, step="challenge", values={"summary": "Sneaked in"})
    assert _fresh(story).summary == story.summary


def test_each_save_stamps_the_drafts_saved_time(client):
    story = draft_story()
    earlier = timezone.now() - timedelta(hours=3)
    PracticeStory.objects.filter(pk=story.pk).update(updated_at=earlier)
    client.force_login(story.author)
    client.post(_step(story, "lessons"), {"lessons_learned": "Start small.", "do_differently": ""})
    story = _fresh(story)
    assert story.updated_at > earlier
    page = client.get(_url("write", story))
    assert f'Draft saved at <time datetime="{story.updated_at.isoformat()}"' in page.text


# --- Editing a published story; co-authors; an author who left -------------------------------------------
def test_the_old_edit_address_leads_to_the_task_list(client):
    for story in (draft_story(), published_story()):
        client.force_login(story.author)
        response = client.get(_url("edit", story))
        assert (response.status_code, response.url) == (302, _url("write", story))


def test_a_published_story_is_changed_section_by_section_and_keeps_what_publishing_needed(client):
    story = published_story(audience=A.PUBLIC)
    client.force_login(story.author)
    summary = client.get(_step(story, "summary"))
    assert 'name="community"' not in summary.text  # a published story keeps its home and audience here
    audience = client.get(_step(story, "audience"))
    assert 'name="audience"' not in audience.text
    assert f'href="{_url("audience", story)}">Change who can read it</a>' in audience.text
    saved = client.post(_step(story, "summary"), {**SUMMARY, "title": "Renamed after publishing"})
    assert saved.status_code == 302
    assert _fresh(story).title == "Renamed after publishing"
    emptied = client.post(_step(story, "challenge"), {"challenge": ""})
    assert "Describe the challenge: a published story needs it." in emptied.text
    assert _fresh(story).challenge == RECORD["challenge"]
    check = client.get(_url("check", story))
    assert "Your story is published" in check.text
    assert f'action="{_url("publish", story)}"' not in check.text


def test_a_co_author_writes_sections_but_neither_moves_the_story_nor_names_co_authors(client):
    place = CommunityFactory()
    co_author = VerifiedMemberFactory()  # not a member of the home community: they may still write
    story = draft_story(community=place, co_authors=[co_author.handle])
    client.force_login(co_author)
    summary = client.get(_step(story, "summary"))
    assert 'name="community"' not in summary.text  # the author chose the home, where they will publish
    audience = client.get(_step(story, "audience"))
    assert 'name="co_authors"' not in audience.text
    assert (
        escape(f"{story.author.public_name}, who started the story, names its co-authors and publishes it")
        in audience.text
    )
    saved = client.post(_step(story, "summary"), {**SUMMARY, "title": "Improved together"})
    assert saved.status_code == 302
    assert _fresh(story).title == "Improved together"
    assert _fresh(story).co_authors.get() == co_author
    check = client.get(_url("check", story))
    assert escape(f"Only {story.author.public_name}, who started the story, can publish it.") in check.text


def test_an_author_who_left_the_home_community_keeps_it_and_is_told_to_join_again_to_publish(client):
    place = CommunityFactory(visibility="restricted")
    story = draft_story(community=place, audience=A.COMMUNITY)
    membership_leave(user=story.author, community=place)
    client.force_login(story.author)
    page = client.get(_step(story, "summary"))
    assert f'<option value="{place.pk}" selected>' in page.text  # its home is still offered
    saved = client.post(
        _step(story, "summary"), {**SUMMARY, "community": place.pk, "title": "Kept in its home"}
    )
    assert saved.status_code == 302
    assert _fresh(story).title == "Kept in its home"
    check = client.get(_url("check", story))
    assert f"Join {place.name} again to publish it there." in check.text
    refused = client.post(_url("publish", story), follow=True)
    assert refused.redirect_chain == [(_url("check", story), 302)]
    assert _banners(refused) == ["Join the story's home community again to publish it there."]
    assert _fresh(story).status == ST.DRAFT


def test_the_author_moves_a_draft_to_another_of_their_communities(client):
    story = draft_story()
    other = CommunityFactory(name="Bins North")
    MembershipFactory(community=other, user=story.author)
    client.force_login(story.author)
    client.post(_step(story, "summary"), {**SUMMARY, "community": other.pk})
    assert _fresh(story).community == other


# --- Check your answers and publish ----------------------------------------------------------------------
def test_check_your_answers_shows_every_section_with_a_change_link_and_publishes(client):
    place = CommunityFactory(name="Waste Officers")
    story = draft_story(
        community=place,
        evidence_links=[{"url": "https://www.example.gov.uk/report", "title": "Evaluation report"}],
    )
    MeasuredOutcome.objects.create(story=story, metric="Days to reach crews", before=3, after=1, unit="days")
    client.force_login(story.author)
    page = client.get(_url("check", story))
    assert page.status_code == 200
    assert page.text.count('class="govuk-summary-card"') == len(WRITING_STEPS)
    for step in WRITING_STEPS:
        assert f'<h2 class="govuk-summary-card__title">{step.title}</h2>' in page.text
        assert (
            f'href="{_step(story, step.slug)}?from=check">Change'
            f'<span class="govuk-visually-hidden"> {step.title.lower()}</span>' in page.text
        )
    assert "<strong>days</strong>" in page.text  # the challenge, as readers will see it
    assert "Days to reach crews: 3 days before, 1 days after" in page.text
    assert '<a class="govuk-link" href="https://www.example.gov.uk/report">Evaluation report</a>' in page.text
    assert "Before you can publish it" not in page.text
    assert "the members of Waste Officers are told" in page.text
    assert f'action="{_url("publish", story)}"' in page.text

    published = client.post(_url("publish", story), follow=True)
    assert published.redirect_chain == [(_url("detail", story), 302)]
    assert _fresh(story).status == ST.PUBLISHED


def test_check_your_answers_lists_what_is_missing_and_publishing_early_publishes_nothing(client):
    place = CommunityFactory()
    client.force_login(author_in(place))
    story = _new_draft(client, place, title="Just an idea")
    check = client.get(_url("check", story))
    assert "Before you can publish it" in check.text
    for message, step in (
        ("Write a summary", "summary"),
        ("Choose a service area", "summary"),
        ("Describe the challenge", "challenge"),
        ("Say what you did", "what-we-did"),
        ("Describe the outcomes", "outcomes"),
    ):
        assert f'<a class="govuk-link" href="{_step(story, step)}?from=check">{message}</a>' in check.text
    assert check.text.count("Not written yet") >= 5
    refused = client.post(_url("publish", story), follow=True)
    assert refused.redirect_chain == [(_url("check", story), 302)]
    assert "Write a summary before you publish." in _banners(refused)[0]
    assert 'class="govuk-notification-banner__title" id="message-1-title">' in refused.text
    assert _fresh(story).status == ST.DRAFT
    assert not Thread.objects.exists()


def test_a_member_without_a_verified_council_may_write_a_draft_but_not_publish_it(client):
    place = CommunityFactory()
    member = MembershipFactory(community=place, user=UserFactory()).user
    client.force_login(member)
    story = _new_draft(client, place)
    check = client.get(_url("check", story))
    assert "Only members with a verified council affiliation can publish." in check.text
    assert f'action="{_url("publish", story)}"' not in check.text
    refused = client.post(_url("publish", story), follow=True)
    assert refused.redirect_chain == [(_url("check", story), 302)]
    assert _banners(refused) == [
        "Only members with a verified council affiliation can publish. Sign in with your council email "
        "address, or ask a site admin to confirm your council."
    ]
    assert _fresh(story).status == ST.DRAFT


def test_the_preview_sends_its_author_to_check_your_answers_to_publish(client):
    story = draft_story()
    client.force_login(story.author)
    preview = client.get(_url("preview", story))
    assert "This is how readers will see it." in preview.text
    assert f'href="{_url("check", story)}"' in preview.text
    assert f'action="{_url("publish", story)}"' not in preview.text
    assert f'href="{_url("write", story)}" class="govuk-back-link">Back to the task list</a>' in preview.text


# --- Query counts ------------------------------------------------------------------------------------------
def _grown(story: PracticeStory, extra: int) -> None:
    """More tags, measures, links and co-authors on the story: what its writing pages show."""
    for index in range(extra):
        MeasuredOutcome.objects.create(
            story=story, metric=f"Measure {index}", before=1, after=2, position=index
        )
        story.co_authors.add(VerifiedMemberFactory())
        story.tags.add(f"tag {index}")
    story.evidence_links = [{"url": f"https://example.com/{i}", "title": f"Link {i}"} for i in range(extra)]
    story.save(update_fields=["evidence_links"])


PAGES = {
    "write": lambda story: _url("write", story),
    "check": lambda story: _url("check", story),
    "summary": lambda story: _step(story, "summary"),
    "outcomes": lambda story: _step(story, "outcomes"),
    "audience": lambda story: _step(story, "audience"),
}
QUERIES = {"write": 8, "check": 9, "summary": 9, "outcomes": 8, "audience": 8}  # measured


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("extra", [1, 8])  # with none, the co-authors' councils need no query
def test_the_writing_pages_run_the_same_queries_however_much_the_story_holds(
    client, django_assert_max_num_queries, page, extra
):
    story = draft_story()
    _grown(story, extra)
    client.force_login(story.author)
    url = PAGES[page](story)
    client.get(url)  # the session's first read
    with django_assert_max_num_queries(QUERIES[page]):
        response = client.get(url)
    assert response.status_code == 200
    if page in ("check", "outcomes"):
        assert f"Measure {extra - 1}" in response.text  # every measure shown


def test_saving_a_section_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    story = draft_story()
    _grown(story, 8)
    client.force_login(story.author)
    client.get(_url("write", story))
    with django_assert_max_num_queries(11):
        response = client.post(_step(story, "challenge"), {"challenge": "Shorter.", "action": "return"})
    assert response.status_code == 302
    assert escape("Shorter.") in _fresh(story).challenge
