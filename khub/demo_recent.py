"""The day before the seed, for `manage.py seed_demo` (called last from khub.demo.seed): recent activity and
digest preferences, so that the next `manage.py send_digests --frequency daily` has news for most demo
members (khub.digests.content: conversations started and busy ones in their communities, practice there or
matching their interests, and for facilitators requests to join).

  * preferences: every demo person takes the daily digest but two colleagues, one weekly and one off, so that
    /settings/notifications/ shows each choice; member@ mutes Planning and Development;
  * a new conversation in every community, started 1 to 20 hours before the seed, each with replies, made by
    demo_conversations as it makes its own threads (through the services, then dated);
  * late replies to three older conversations, two or more each, which makes them busy
    (khub.digests.content.BUSY_REPLIES);
  * two requests to join restricted communities, for their facilitators.
The practice news is in demo_practice.STORIES, dated the same way: a story published and one promoted in the
hours before the seed, and a private community's story whose tags are some outsiders' interests.

Everything is dated from the moment of the seed: a digest sent days later finds little of it new.
Once only: a conversation its community has, late replies their thread holds and a request already made are
left alone; the preferences are set to the same values every time, as khub.demo sets the profiles.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from communities import services
from communities.models import Community, Membership, Post, Thread
from communities.services import conversations
from khub.demo import DEMO_DOMAIN
from khub.demo_communities import Key, _people
from khub.demo_conversations import DemoThread, Reply, _Seeding, seed_conversations
from profiles.models import Notification, User
from profiles.services import notification_settings_set

Q = Thread.Kind.QUESTION


def hours(start: float, end: float) -> tuple[float, float]:
    """DemoThread.days_ago for a thread started `start` hours before the seed, its latest reply `end`."""
    return start / 24, end / 24


# Colleagues who keep another digest than the daily one; everybody else, the logins too, takes it daily.
DIGEST_EXCEPTIONS: dict[Key, str] = {25: User.Digest.WEEKLY, 38: User.Digest.OFF}
MUTED: tuple[Key, str] = ("member", "Planning and Development")  # who mutes which community in their digest

RECENT_THREADS: dict[str, list[DemoThread]] = {
    "Digital Transformation": [
        DemoThread(
            "AI note-taking on social care visits: has anyone got it past their DPIA?",
            10,
            "Our adult social care team wants to pilot a tool that listens to assessment visits and drafts "
            "the case notes. The practitioners who saw the demonstration loved it; our information "
            "governance team is less sure.\n\nIf you have run a pilot:\n\n- how did you handle consent from "
            "the person being assessed?\n- where is the audio processed, and for how long is it kept?\n- did "
            "practitioners still check every note?",
            days_ago=hours(19, 2),
            kind=Q,
            tags=("Artificial intelligence", "Data protection", "Social care"),
            replies=(
                Reply(
                    1,
                    "facilitator",
                    "We ran a twelve-week pilot with 20 social workers. Consent is asked at the start of "
                    "every visit and the tool stays off if the person says no; about one in ten did. The "
                    "audio is deleted once the note is drafted. Our DPIA is on our transparency page, and "
                    "I am happy to share the working version.",
                    helpful=3,
                    answer=True,
                ),
                Reply(2, 10, "That would be a great help, thank you. Did the time saved hold up?"),
                Reply(
                    3,
                    "facilitator",
                    "About an hour a day for each practitioner, and it held. The bigger change was that they "
                    "looked at the person rather than the laptop.",
                    helpful=1,
                ),
                Reply(
                    1,
                    16,
                    "Check what the supplier does with the transcripts. Ours wanted to use them to train its "
                    "models, and we had to change a clause before we could sign.",
                    helpful=2,
                ),
                Reply(
                    1,
                    14,
                    "We went with one of the big names and never looked back. Message me for a referral "
                    "code: three months free for new councils.",
                    report="A supplier's referral code, not advice. Could a facilitator have a look?",
                ),
            ),
        ),
    ],
    "Heads of Digital": [
        DemoThread(
            "Windows 10 extended security updates: how many devices are you still carrying?",
            13,
            "We paid for a year of extended security updates for about 400 devices that could not take "
            "Windows 11, mostly in depots and libraries. That year ends soon and the replacement budget is "
            "not there.\n\nHow many are you still carrying, and has your insurer said anything about "
            "unsupported devices?",
            days_ago=hours(14, 3),
            tags=("Devices", "Cyber security", "Budgets"),
            replies=(
                Reply(
                    1,
                    "facilitator",
                    "About 150, all in places where a kiosk would do. We are replacing them with managed "
                    "Chromebooks rather than new laptops, at a third of the price.",
                    helpful=2,
                ),
                Reply(
                    1,
                    25,
                    "Our insurer asked for the number at renewal and wanted a date when it reaches zero. The "
                    "premium did not change, but it is in the schedule.",
                ),
                Reply(2, 13, "That is what worries me. Did you give them a date?"),
                Reply(
                    3,
                    25,
                    "The end of the financial year, with a list of the devices. The list mattered more to "
                    "them than the date.",
                ),
            ),
        ),
    ],
    "Adult Social Care": [
        DemoThread(
            "Fee uplifts for next year: are you consulting providers before Christmas?",
            27,
            "We are about to start our annual fee consultation with home care and care home providers. Last "
            "year we published the rates in March, and two providers handed back contracts within a month."
            "\n\nThis year we want to consult in December and publish in January. Has anyone moved their "
            "timetable earlier, and did it help?",
            days_ago=hours(17, 5),
            tags=("Market shaping", "Fees", "Home care"),
            replies=(
                Reply(
                    1,
                    0,
                    "We moved ours to November two years ago. Providers still push back on the rate, but "
                    "they can plan recruitment around it, and no contract has been handed back since.",
                    helpful=2,
                ),
                Reply(
                    1,
                    9,
                    "Publish your cost of care model with the consultation, not just the rates. Providers "
                    "trust the figure more when they can see the assumptions.",
                    helpful=1,
                ),
                Reply(
                    2, 27, "We have been nervous about publishing the model. Has anyone used it against you?"
                ),
                Reply(3, 9, "Once, in a challenge about travel time. They had a point, and we changed it."),
            ),
        ),
    ],
    "Housing and Homelessness": [
        DemoThread(
            "Severe weather: is anyone opening SWEP on the forecast rather than the temperature?",
            22,
            "Our severe weather emergency protocol opens when the forecast is zero degrees or below for "
            "three nights. Outreach tell us the nights that worry them most are wet, windy ones at two or "
            "three degrees.\n\nHas anyone changed their trigger, and how did you get it agreed?",
            days_ago=hours(18, 4),
            tags=("Rough sleeping", "Winter"),
            replies=(
                Reply(
                    1,
                    6,
                    "We open on any night the Met Office has a yellow warning for wind or rain, as well as "
                    "on freezing nights. Our portfolio holder agreed once outreach showed three winters of "
                    "their notes.",
                    helpful=2,
                ),
                Reply(
                    1,
                    32,
                    "We use the forecast 'feels like' temperature instead of counting nights. It opened on "
                    "eleven more nights last winter, for about £9,000.",
                ),
                Reply(2, 22, "That is cheaper than I expected. Was it mostly staffing?"),
                Reply(
                    3,
                    32,
                    "Mostly staffing, from our hostel provider's bank staff. The beds were already there.",
                ),
                Reply(
                    1,
                    "member",
                    "Camden opens on the forecast too. The hard part was telling the day centres by 3pm, so "
                    "we now text them directly.",
                ),
            ),
        ),
    ],
    "Climate Emergency": [
        DemoThread(
            "Warm Homes: Local Grant: who has installers lined up for the first homes?",
            35,
            "The first 80 homes in our Warm Homes: Local Grant programme are surveyed. The problem is "
            "installers: the TrustMark-registered firms near us are booked until the spring.\n\nHow are you "
            "finding installers, and has anyone joined a regional framework?",
            days_ago=hours(15, 6),
            kind=Q,
            tags=("Retrofit", "Fuel poverty"),
            replies=(
                Reply(
                    1,
                    12,
                    "We joined the framework our combined authority set up, which saved us a procurement. It "
                    "does not create installers, though: we also pay two local firms to train their staff.",
                    helpful=2,
                ),
                Reply(
                    1,
                    "facilitator",
                    "In Leeds the bottleneck was retrofit coordinators, not installers. Check you have "
                    "enough of them before the installs start.",
                ),
                Reply(2, 35, "Good point. How many homes a year do you plan for each coordinator?"),
                Reply(3, "facilitator", "About 120, if the surveys are done for them."),
            ),
        ),
    ],
    "Procurement": [
        DemoThread(
            "Contract change notices: how are you catching modifications before they happen?",
            37,
            "Under the Procurement Act we publish a contract change notice before modifying most contracts "
            "above threshold. Our contract managers make small changes all the time and tell us afterwards, "
            "if at all.\n\nHow are you catching modifications before they happen?",
            days_ago=hours(12, 2),
            kind=Q,
            tags=("Procurement Act 2023", "Contract management", "Transparency"),
            replies=(
                Reply(
                    1,
                    17,
                    "We added a change step to our contract management system: nothing is modified until "
                    "procurement has seen it. It caught 14 changes in the first month.",
                    helpful=3,
                    answer=True,
                ),
                Reply(
                    1,
                    5,
                    "We gave every budget holder half an hour and a one-page flowchart. Low tech, but the "
                    "questions we get now are the right ones.",
                    helpful=1,
                ),
                Reply(2, 37, "Could you share the flowchart, @[5]?"),
                Reply(3, 5, "Of course. I will post it here this afternoon."),
            ),
        ),
    ],
    "Children's Services": [
        DemoThread(
            "Holiday activities and food: planning the Christmas programme",
            29,
            "Our holiday activities and food programme is planning its Christmas offer. The summer "
            "evaluation showed many places booked but not used, mostly by the same families.\n\nWhat are you "
            "doing about places that go unused, and are you running anything between Christmas and New Year?",
            days_ago=hours(16, 7),
            tags=("Holiday activities and food", "Cost of living"),
            replies=(
                Reply(
                    1,
                    19,
                    "A text reminder the day before, and unclaimed places go to a waiting list at 10am. "
                    "Unused places fell from 30% to 12%.",
                    helpful=2,
                ),
                Reply(
                    1,
                    3,
                    "We run two days between Christmas and New Year with a hot meal and a food parcel to "
                    "take home. They are always our busiest days.",
                ),
                Reply(2, 29, "Did you struggle to find providers willing to work that week?"),
                Reply(3, 3, "Yes. We pay more for those days and book them in September."),
            ),
        ),
    ],
    "Planning and Development": [
        DemoThread(
            "Small sites biodiversity net gain: how are you checking the metric?",
            21,
            "Nearly every minor application now comes with a small sites metric. Our ecologist cannot check "
            "them all before validation.\n\nAre you checking every metric, a sample, or only those that look "
            "odd?",
            days_ago=hours(11, 5),
            kind=Q,
            tags=("Biodiversity net gain", "Validation"),
            replies=(
                Reply(
                    1,
                    3,
                    "A validation checklist for the metric itself (is the baseline photographed, are the "
                    "habitats plausible?) and a full check only where there are habitats of medium "
                    "distinctiveness or higher.",
                    helpful=2,
                ),
                Reply(
                    1,
                    13,
                    "We share an ecologist with two neighbouring councils. Still not enough hours, but far "
                    "better than none.",
                ),
                Reply(2, 21, "Do you charge applicants for the ecologist's time?"),
            ),
        ),
    ],
    "Waste and Recycling": [
        DemoThread(
            "First month of weekly food waste: what contamination are you seeing?",
            24,
            "We started weekly food waste collections on four rounds last month. Take-up is better than we "
            "planned, but crews find plastic bags in about one caddy in ten.\n\nWhat contamination did you "
            "see at the start, and what brought it down?",
            days_ago=hours(13, 3),
            tags=("Food waste", "Contamination"),
            replies=(
                Reply(
                    1,
                    4,
                    "About the same for us. A 'sorry, we could not take this' tag on the caddy did more than "
                    "any leaflet.",
                    helpful=2,
                ),
                Reply(
                    1,
                    34,
                    "We give free compostable liners with every new caddy, and a roll every spring. Plastic "
                    "bags all but disappeared.",
                ),
                Reply(2, 24, "What do the liners cost you a year?"),
                Reply(
                    3,
                    34,
                    "About £1.40 a household: less than paying for rejected loads at the treatment plant.",
                ),
            ),
        ),
    ],
    "Public Health Intelligence": [
        DemoThread(
            "Fingertips indicators into Power BI: has anyone automated the refresh?",
            30,
            "We still download indicators from Fingertips by hand every quarter for our JSNA dashboards. "
            "There is an API, and I know some of you use it.\n\nHas anyone got a scheduled refresh working, "
            "and did your IT team let you?",
            days_ago=hours(10, 1),
            kind=Q,
            tags=("Fingertips", "Power BI", "Data analysis"),
            replies=(
                Reply(
                    1,
                    15,
                    "Yes: a script pulls our indicators through the Fingertips API into a SharePoint list "
                    "overnight, and Power BI refreshes from that. IT preferred SharePoint to a direct "
                    "connection.",
                    helpful=2,
                ),
                Reply(
                    1,
                    5,
                    "If your team works in R, the fingertipsR package does the same. We run it on a schedule "
                    "from a small virtual machine.",
                ),
                Reply(2, 30, "@[15], would you be willing to share the script?"),
                Reply(3, 15, "Happy to. I will post it here once our server names are out of it."),
            ),
        ),
    ],
    "Revenues and Benefits": [
        DemoThread(
            "Second homes premium: what did the first year raise?",
            38,
            "Our council tax premium on second homes has run for a full year. We expected some owners to "
            "move their homes into business rates as holiday lets, and some did.\n\nHow much did the "
            "premium raise against your forecast, and how are you checking the holiday let claims?",
            days_ago=hours(9, 2),
            tags=("Council tax", "Second homes"),
            replies=(
                Reply(
                    1,
                    18,
                    "About 70% of the forecast. A fifth of second homes moved to business rates, most "
                    "claiming they are let for 70 days a year. We now ask for booking evidence up front.",
                    helpful=2,
                ),
                Reply(
                    1,
                    26,
                    "We check the Valuation Office Agency's changes every month, so a home that moves to "
                    "business rates is flagged to us within weeks.",
                ),
                Reply(2, 38, "Seventy per cent is close to ours. Did your members accept the shortfall?"),
                Reply(3, 18, "Once we showed them the checks were bringing some homes back, yes."),
            ),
        ),
    ],
    "Chief Executives' Network": [
        DemoThread(
            "Budget gap for next year: where is everyone before the settlement?",
            30,
            "With the provisional settlement still to come, our gap for next year is about £14 million after "
            "the savings already agreed. Members ask me whether others are in the same place.\n\nWithout "
            "naming councils outside this group: roughly where are you, and is anyone talking to the "
            "government about exceptional financial support?",
            days_ago=hours(20, 8),
            tags=("Finance", "Budget setting"),
            replies=(
                Reply(
                    1,
                    10,
                    "Around £9 million for us, and we are not considering exceptional financial support. The "
                    "conditions that come with it worry our members more than the gap does.",
                    helpful=1,
                ),
                Reply(
                    1,
                    0,
                    "Nearer £20 million, most of it adult social care and temporary accommodation. We have "
                    "had an informal conversation with officials, nothing more.",
                ),
                Reply(
                    2,
                    30,
                    "That matches what I hear. Temporary accommodation is the line nobody can forecast.",
                ),
            ),
        ),
    ],
}


@dataclass(frozen=True)
class LateReplies:
    """Replies to an older conversation in the hours before the seed: level 1 answers the opening post, level
    n the late reply at level n-1. Evenly spread from `hours_ago[0]` to `hours_ago[1]` hours before."""

    community: str
    title: str
    hours_ago: tuple[float, float]
    replies: tuple[Reply, ...]


LATE_REPLIES = [
    LateReplies(
        "Housing and Homelessness",
        "How are you using the Homelessness Prevention Grant top-up?",
        (10, 3),
        (
            Reply(
                1,
                18,
                "Late to this, but we have just finished evaluating our rent arrears fund. It helped most "
                "when officers referred households early, before any notice. Happy to share the report.",
            ),
            Reply(2, "member", "Yes please, @[18]. It would help our business case."),
            Reply(3, 18, "I will send it over this morning."),
        ),
    ),
    LateReplies(
        "Digital Transformation",
        "Accessibility statements: who is actually testing with screen readers?",
        (15, 4),
        (
            Reply(
                1,
                19,
                "An update from us: a local disability charity tested our five busiest forms last week. They "
                "found a date picker that nobody using a screen reader could get past. Fixed the same day.",
            ),
            Reply(2, 4, "That date picker story is depressingly familiar. Whose component was it?"),
            Reply(
                3,
                19,
                "A supplier's. We are moving to the [GOV.UK Design System's date input]"
                "(https://design-system.service.gov.uk/components/date-input/) instead.",
            ),
        ),
    ),
    LateReplies(
        "Climate Emergency",
        "Retrofit: is anyone running a one-stop shop for homeowners who can pay?",
        (12, 6),
        (
            Reply(
                1,
                24,
                "Ours has now been open a year. What made the difference was a fixed-price survey: "
                "homeowners trusted it more than a free one.",
            ),
            Reply(2, 4, "Interesting. What do you charge for the survey?"),
            Reply(3, 24, "£150, refunded if they go ahead with the works."),
        ),
    ),
]

# Requests to join restricted communities, for their facilitators: (community, who, message, hours ago).
JOIN_REQUESTS: list[tuple[str, Key, str, float]] = [
    (
        "Housing and Homelessness",
        36,
        "I look after temporary accommodation contracts and would like to learn from your leasing schemes.",
        6,
    ),
    ("Children's Services", 16, "Community safety, working with our family hubs on youth diversion.", 13),
]


@transaction.atomic
def seed_recent() -> None:
    logins, colleagues = _people()
    seeding = _Seeding(now=timezone.now(), logins=logins, colleagues=colleagues)
    _seed_preferences(seeding)
    seed_conversations(threads_by_community=RECENT_THREADS)
    _seed_late_replies(seeding)
    _seed_requests(seeding)


def _seed_preferences(seeding: _Seeding) -> None:
    """Through the services the settings page uses, set to the same values on every run."""
    exceptions = {seeding.person(key).pk: frequency for key, frequency in DIGEST_EXCEPTIONS.items()}
    for user in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").order_by("pk"):
        frequency = exceptions.get(user.pk, User.Digest.DAILY)
        if user.digest_frequency != frequency:
            notification_settings_set(
                user=user, digest_frequency=frequency, email_immediately=user.email_immediately
            )
    key, name = MUTED
    user = seeding.person(key)
    mine = Membership.objects.filter(user=user, state=Membership.State.ACTIVE)
    services.memberships_digest_set(
        user=user,
        included_ids=set(mine.exclude(community__slug=slugify(name)).values_list("community", flat=True)),
    )


def _seed_late_replies(seeding: _Seeding) -> None:
    """Through post_reply, each reply dated as soon as it is made (so the rate limit, posts in the last
    minute, never counts it) and given notified_at: nobody is told about it now."""
    touched = set()
    for spec in LATE_REPLIES:
        thread = Thread.objects.filter(community__slug=slugify(spec.community), title=spec.title).first()
        first = spec.replies[0]
        if thread is None or thread.locked:
            continue
        if thread.posts.filter(author=seeding.person(first.author), body=seeding.text(first.body)).exists():
            continue  # an earlier seed added them
        start, end = (seeding.now - timedelta(hours=ago) for ago in spec.hours_ago)
        step = (end - start) / max(len(spec.replies) - 1, 1)
        latest = {0: thread.opening_post}
        for number, reply in enumerate(spec.replies):
            post = conversations.post_reply(
                author=seeding.person(reply.author),
                thread=thread,
                body=seeding.text(reply.body),
                parent=latest[reply.level - 1],
            )
            moment = start + step * number
            Post.objects.filter(pk=post.pk).update(created_at=moment, notified_at=moment)
            latest[reply.level] = post
        Thread.objects.filter(pk=thread.pk).update(
            last_activity_at=thread.posts.aggregate(latest=Max("created_at"))["latest"]
        )
        touched.add(thread.community_id)
    # post_reply marked each community active at seed time: back to its latest conversation.
    for community in Community.objects.filter(pk__in=touched):
        latest = community.threads.aggregate(latest=Max("last_activity_at"))["latest"]
        Community.objects.filter(pk=community.pk).update(last_activity_at=latest)


def _seed_requests(seeding: _Seeding) -> None:
    for name, key, message, ago in JOIN_REQUESTS:
        community = Community.objects.filter(slug=slugify(name)).first()
        person = seeding.person(key)
        if community is None or Membership.objects.filter(community=community, user=person).exists():
            continue
        membership = services.membership_join(user=person, community=community, message=message)
        asked = seeding.now - timedelta(hours=ago)
        Membership.objects.filter(pk=membership.pk).update(created_at=asked, updated_at=asked)
        Notification.objects.filter(
            kind="community.join_requested",
            actor=person,
            target_type=ContentType.objects.get_for_model(Community),
            target_id=community.pk,
            created_at__gte=seeding.now,
        ).update(created_at=asked)
