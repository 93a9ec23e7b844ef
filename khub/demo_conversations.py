"""Demo conversations for `manage.py seed_demo` (called from khub.demo.seed after the communities): threads in
every demo community, questions answered and still open, replies to replies, helpful marks, pinned and locked
threads, a hidden post, open reports, and two running threads several hundred posts long.

Handwritten threads are made through communities.services, as the site makes them, then moved back in time.
The long threads' generated replies are bulk-inserted instead (hundreds of posts through post_reply would
make the seed slow), keeping the invariants post_reply keeps: Post.path is the parent's path plus the
thread's next sequence number, zero-padded; depth follows the path; the thread's post_sequence, reply_count
(visible replies) and last_activity_at match the rows; every author watches the thread.

Nobody is told about old news: every seeded post gets notified_at, so neither the task queued on commit nor
the sweep sends anything for it, except the few replies marked `notify`, which go through post_notify like a
new post and land in member@'s inbox. Randomness is seeded per thread, so the demo is the same every time.
Once only per thread: a title the community already has is left alone.

In the bodies, "@[member]" or "@[20]" stands for that demo person's handle (see demo_communities.Key).
"""

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from communities.models import (
    PATH_MAX_DEPTH,
    PATH_STEP,
    Community,
    Membership,
    ModerationLogEntry,
    Post,
    PostReaction,
    PostReport,
    PostRevision,
    Thread,
    ThreadWatch,
)
from communities.services import conversations, moderation
from core.markdown import markdown_render_with_mentions
from khub.demo_communities import Key, _people
from profiles.models import Notification, User

Q = Thread.Kind.QUESTION


class Reply(NamedTuple):
    """A handwritten reply. Level 1 replies to the opening post, level n to the latest reply at level n-1."""

    level: int
    author: Key
    body: str
    helpful: int = 0  # how many other members mark it helpful
    answer: bool = False  # the asker marks it as the answer
    notify: bool = False  # told as a new post is (member@'s inbox); every other seeded post is old news
    report: str = ""  # another member reports it for this reason; left open for the facilitators
    hide: str = ""  # the owner hides it, giving this reason
    edit: str = ""  # the author edits it to this text soon after posting


@dataclass(frozen=True)
class Pool:
    """What a long thread's generated replies are made of."""

    openers: tuple[str, ...]  # may name the author's council: {council}
    updates: tuple[str, ...]
    closers: tuple[str, ...]
    list_intros: tuple[str, ...]
    list_items: tuple[str, ...]
    links: tuple[str, ...]
    questions: tuple[str, ...]
    answers: tuple[str, ...]  # to a post that ends with a question
    reactions: tuple[str, ...]


@dataclass(frozen=True)
class DemoThread:
    title: str
    author: Key
    body: str
    days_ago: tuple[float, float]  # when it was started, and when its latest reply came
    kind: str = Thread.Kind.DISCUSSION
    tags: tuple[str, ...] = ()
    replies: tuple[Reply, ...] = ()  # after the generated ones, if any
    pinned: bool = False
    locked: str = ""  # the owner locks it after the last reply, giving this reason
    pool: Pool | None = None
    generated: int = 0  # replies generated from the pool
    deleted: int = 0  # generated replies their authors later delete


# --- The long threads' sentences ------------------------------------------------------------------------
LEGACY_EXIT = Pool(
    openers=(
        "Small win this week.",
        "An update from {council}.",
        "Not a win yet, but worth sharing.",
        "A quick one.",
        "Progress, finally.",
        "A lesson learned the hard way.",
        "Another one for the graveyard.",
    ),
    updates=(
        "We finally switched off the old document management server after fourteen years. Nobody has asked "
        "for it back.",
        "Our parking permits now run on a form we built ourselves, and the old supplier contract ends this "
        "month.",
        "The data migration took three times longer than the supplier estimated, mostly because of records "
        "nobody could explain.",
        "We ran the old and new systems side by side for six weeks. It caught more problems than all the "
        "formal testing did.",
        "We switched off the last of our fax numbers. It took two years and one very determined pharmacist.",
        "Our complaints process moved into the CRM we already had: one fewer contract, one fewer login for "
        "staff.",
        "We gave notice on the old housing repairs system today. Eighteen months to get the replacement "
        "ready.",
        "The old planning system is now a read-only archive with a simple search page. Much cheaper than "
        "keeping the licence.",
        "We found 40,000 records in the old system with no owner. Information governance are deciding what "
        "we can delete.",
        "The exit clause promised 'reasonable assistance'. That turned out to mean a CSV file and a very "
        "short phone call.",
        "We moved the intranet off an unsupported SharePoint version. Fewer pages, better search, and staff "
        "can finally find the HR policies.",
        "Our library management system moved to a consortium contract with neighbouring councils. The saving "
        "pays for a new post.",
        "We turned off the on-premises email archive after checking the retention schedule with legal. Four "
        "servers gone.",
        "We lost a week because the new system could not read dates before 1970 in the old data. Check your "
        "oldest records first.",
        "The licensing replacement went live on Monday. Taxi drivers can renew online for the first time.",
        "We decided not to replace the old asset register at all: the finance system and a well-kept "
        "spreadsheet do the job.",
        "Our first attempt to leave the old social care case system failed at user acceptance testing. "
        "Second attempt starts in the spring.",
        "We keep a page listing every system we have switched off and what it saved. It makes the next "
        "business case much easier.",
        "Contact centre telephony is now in the cloud. The old kit goes to a recycler next week.",
        "Council tax e-billing now runs inside the main revenues system instead of a separate add-on. One "
        "fewer interface to break.",
        "The bereavement services booking system was the last thing on our old server room's list. The room "
        "is now a store cupboard.",
        "We migrated twelve years of building control records in a weekend. The surveyors noticed nothing, "
        "which is the best review there is.",
    ),
    closers=(
        "Happy to share our exit plan if it helps anyone.",
        "Next on the list: the housing repairs system.",
        "I would love to hear how others handled the cut-over weekend.",
        "I have written it up for our blog; message me for the draft.",
        "If you are facing the same supplier, get in touch.",
        "Credit to our infrastructure team, who did the hard part.",
        "The business case is on our open data page if anyone wants the numbers.",
    ),
    list_intros=("What helped:", "What we would do again:", "Our checklist, for what it is worth:"),
    list_items=(
        "a named owner for every dataset",
        "a cut-over rehearsal the weekend before",
        "a two-week freeze on changes either side of go-live",
        "daily stand-ups with the supplier",
        "a plain-English note for staff about what changes for them",
        "keeping the old system read-only for three months",
        "checking every interface with the team at the other end",
        "a decommissioning checklist signed off by information governance",
        "a budget line for the things nobody remembered",
    ),
    links=(
        "We used the [Technology Code of "
        "Practice](https://www.gov.uk/guidance/the-technology-code-of-practice) as the checklist for the "
        "replacement.",
        "The projects funded through [Local Digital](https://www.localdigital.gov.uk/) were a good source of "
        "ideas and reusable code.",
        "The [Service Standard](https://www.gov.uk/service-manual/service-standard) helped us argue for user "
        "research before buying anything.",
    ),
    questions=(
        "How long did the parallel run last?",
        "Did you have to give notice under the old contract, or did it simply lapse?",
        "What did you do with the historical data?",
        "Did staff notice the change?",
        "We are about to do the same. Could I message you about the contract side?",
        "Was it worth doing in-house, looking back?",
        "How did you get the service manager to agree?",
        "What did the supplier charge for the data extract?",
    ),
    answers=(
        "Six weeks, and we should have done eight.",
        "It lapsed: we did not renew, and gave the twelve months' notice the contract asked for.",
        "We kept a read-only copy for the retention period, then deleted it.",
        "Hardly, which is the best outcome.",
        "Of course, send me a message.",
        "Looking back, yes, but only because we already had the skills in the team.",
        "We showed them the support costs for the next five years. That did it.",
        "Nothing in the end, but only after our legal team read the contract to them.",
    ),
    reactions=(
        "That is really encouraging, thank you for sharing.",
        "Same experience here: the supplier's estimate was wildly optimistic.",
        "Good to hear. Our equivalent still runs on a server under someone's desk.",
        "Congratulations, that is a big one.",
        "This is exactly why this thread is worth keeping going.",
        "Noted for our own exit plan.",
    ),
)

HOSPITAL_DISCHARGE = Pool(
    openers=(
        "This week's picture from us.",
        "An update from {council}.",
        "A good week, for once.",
        "A mixed week.",
        "One thing that is working:",
        "A note of caution.",
    ),
    updates=(
        "Our discharge to assess beds are full most days, but the average stay in them has dropped from 38 "
        "to 26 days.",
        "We put a social worker in the emergency department at weekends. About a third of the people they "
        "saw went home the same day with a small package of care.",
        "Pathway 1 is our bottleneck: people waiting for home care to start. We have block-booked extra "
        "hours with two providers for January.",
        "Trusted assessors from our care homes now assess on the ward. It takes a day or two off most "
        "pathway 3 discharges.",
        "The voluntary sector 'home from hospital' service is the best value thing we fund: settle-in "
        "visits, some shopping, the heating on.",
        "Our delayed discharge figures look better this week, mainly because the trust changed how it counts "
        "them. Treat the numbers with care.",
        "We are piloting a bridging service: reablement staff cover the first week until the long-term "
        "provider can start.",
        "Equipment delays were holding up more discharges than care packages. The community equipment "
        "service now runs a same-day slot.",
        "A weekly call with the trust, the ICB and our providers has done more than any dashboard.",
        "We stopped moving people into care homes 'for assessment' when they could be assessed at home. "
        "Fewer people end up staying for good.",
        "Better Care Fund money is paying for seven-day working in our hospital social work team this "
        "winter.",
        "Our reablement team is seeing more people, but fewer are still at home after 91 days. We are "
        "looking at why.",
        "Virtual ward referrals are finally picking up. It helps when the consultant rings the social worker "
        "directly.",
        "Carers' assessments at the point of discharge are still patchy. We are adding a prompt to the "
        "discharge checklist.",
        "Our first week since October with nobody waiting more than 14 days for a package of care.",
        "Housing adaptations are a hidden cause of delay for us. A ramp or a stairlift can hold up a "
        "discharge for weeks.",
        "Norovirus closed three of our care homes to admissions this week, so pathway 3 has ground to a "
        "halt.",
    ),
    closers=(
        "Happy to share the service specification.",
        "I will report back after Christmas.",
        "If anyone has cracked weekend discharges, I would love to hear how.",
        "Credit to our brokerage team, who have been brilliant.",
        "More next week.",
    ),
    list_intros=("What made the difference:", "What we changed:"),
    list_items=(
        "a single discharge hub with the trust",
        "a daily huddle at 9:30",
        "named brokers for each ward",
        "one list of people waiting, updated twice a day",
        "reablement staff who can start the same day",
        "a clear escalation route to heads of service",
        "weekend cover from the voluntary sector",
    ),
    links=(
        "We still work from the [hospital discharge and community support guidance]"
        "(https://www.gov.uk/government/publications/hospital-discharge-service-policy-and-operating-model).",
        "The [LGA](https://www.local.gov.uk/) has shared some good case studies on this.",
    ),
    questions=(
        "How many hours did you block-book?",
        "Is the bridging service run in-house or by a provider?",
        "Who pays for the trusted assessors: you or the care homes?",
        "What does the voluntary sector service cost you per person?",
        "How did you get the trust to agree to that?",
        "Are those numbers for pathway 1 only?",
        "Do you have a service specification you could share?",
        "How are you staffing seven-day working?",
    ),
    answers=(
        "About 400 hours a week across the two providers.",
        "In-house, from our reablement team.",
        "The care homes, with a small grant from us for the training.",
        "Roughly £180 per person, which is a bargain.",
        "We showed them the bed days it would save. That was enough.",
        "Yes, pathway 1 only. Pathway 3 is a different story.",
        "Yes: message me and I will send it over.",
        "Overtime first, then a rota with a weekend enhancement. Agency staff only as a last resort.",
    ),
    reactions=(
        "That is a brilliant result.",
        "Same here, sadly.",
        "Really useful, thank you.",
        "We are seeing exactly the same pattern.",
        "Good to know it is not just us.",
        "Stealing this idea.",
    ),
)


# --- The threads, by community -----------------------------------------------------------------------
THREADS: dict[str, list[DemoThread]] = {
    "Digital Transformation": [
        DemoThread(
            "Welcome: how this community works",
            "facilitator",
            "Welcome to **Digital Transformation**. A few things make this place useful:\n\n- Say which "
            "council you are from and what you are working on.\n- Share the boring details: contract "
            "lengths, team sizes, what it cost.\n- Ask questions at any stage, and mark the reply that "
            "answered yours.\n- Suppliers are welcome as readers, not as sellers.\n\nWe work to the "
            "[Service Standard](https://www.gov.uk/service-manual/service-standard) and the [Technology "
            "Code of Practice](https://www.gov.uk/guidance/the-technology-code-of-practice). If your "
            "council has not signed the [Local Digital "
            "Declaration](https://www.localdigital.gov.uk/declaration/) yet, ask @[1] what signing it meant "
            "in practice.",
            days_ago=(199, 150),
            tags=("Community",),
            pinned=True,
            replies=(
                Reply(
                    1,
                    0,
                    "Hello from Leeds. I commission adult social care, so I am here to learn how to write "
                    "better briefs for digital work rather than to build anything myself.",
                    helpful=2,
                ),
                Reply(
                    2,
                    "facilitator",
                    "That is exactly who we want here, @[0]. Commissioning is where most projects are won "
                    "or lost.",
                ),
                Reply(
                    1,
                    2,
                    "Aisha from Kent, customer services. We are halfway through moving phone calls to web "
                    "forms and call-backs, and I have a lot of questions about how to measure it.",
                ),
                Reply(
                    1,
                    16,
                    "Niamh, community safety in Camden. Interested in case management systems and anything "
                    "about sharing data with the police.",
                ),
                Reply(
                    1,
                    "member",
                    "Morgan, housing options in Camden. Mostly here for the user research threads.",
                ),
            ),
        ),
        DemoThread(
            "Legacy exit diaries: switching off old systems",
            "facilitator",
            "One running thread for every system we manage to switch off (or fail to).\n\nPlease post:\n\n"
            "1. what the system did and how long you had it\n"
            "2. what replaced it, if anything\n"
            "3. how the contract ended: notice, a break clause or simply letting it lapse\n"
            "4. one thing you would do differently\n\n"
            "Small wins count. Turning off a single server in a cupboard counts.",
            days_ago=(160, 0.2),
            tags=("Legacy systems", "Contracts"),
            pool=LEGACY_EXIT,
            generated=420,
            deleted=2,
            replies=(
                Reply(
                    1,
                    14,
                    "Has anyone looked at the migration accelerator the big ERP suppliers are offering? "
                    "Their webinar next Tuesday promises a full exit in 90 days; the sign-up link is on "
                    "their LinkedIn page.",
                    report="This reads like an advert for a supplier's webinar.",
                ),
                Reply(
                    2,
                    1,
                    "Ninety days is a sales number. Ask them for a reference site that did it, then ring "
                    "that site yourself.",
                    helpful=3,
                ),
            ),
        ),
        DemoThread(
            "Anyone moved revenues & benefits to a cloud platform?",
            6,
            "Our revenues and benefits system runs on our own servers, and hardware support ends next year. "
            "The supplier is pushing its hosted version hard.\n\nFor those who have moved:\n\n"
            "- did the first annual billing run go smoothly?\n"
            "- how did you handle the interfaces to the finance and document management systems?\n"
            "- what happened to the cost over three years?",
            days_ago=(45, 38),
            kind=Q,
            tags=("Revenues", "Benefits", "Cloud"),
            replies=(
                Reply(
                    1,
                    10,
                    "We moved two years ago. Annual billing was fine; what broke was the overnight direct "
                    "debit file to the bank, because the hosted version sends it from a different address "
                    "and the bank's firewall rejected it. Test the bank file early.",
                    helpful=3,
                ),
                Reply(
                    2,
                    6,
                    "That is exactly the kind of thing I would never have thought of. Did the supplier "
                    "help, or was it down to your own network team?",
                ),
                Reply(
                    3,
                    10,
                    "Our network team, entirely: the supplier's position was that their side worked. Put "
                    "every interface, and who owns each end of it, into the contract schedule before you "
                    "sign.",
                    helpful=2,
                    answer=True,
                ),
                Reply(
                    4,
                    8,
                    "Seconding this. The hosted service also had a fixed maintenance window on Sunday "
                    "mornings, which clashed with our weekend reminder run.",
                ),
                Reply(5, 6, "Noted, @[8]. Adding it to the list of questions for the supplier."),
                Reply(
                    1,
                    "facilitator",
                    "On cost: ours went up by about 30% over three years once we counted the modules we "
                    "used to run ourselves. The saving was in hardware, and in the two people who no longer "
                    "patch servers at weekends.",
                    helpful=2,
                ),
                Reply(
                    1,
                    0,
                    "Ask your benefits team about the Universal Credit data feeds before you move. Their "
                    "format changed in the middle of our migration and it cost us a month.",
                ),
            ),
        ),
        DemoThread(
            "What did your first user research with people in temporary accommodation look like?",
            "member",
            "We want to redesign how we tell households in temporary accommodation about their options, "
            "starting with research.\n\nI have never commissioned user research before. How did you recruit "
            "people, how much did you pay them for their time, and how did you keep it safe for them and for "
            "the researchers?",
            days_ago=(30, 24),
            kind=Q,
            tags=("User research", "Housing"),
            replies=(
                Reply(
                    1,
                    16,
                    "We recruited through our own housing officers and a local charity, never cold. We paid "
                    "£25 an hour in high street vouchers, after checking that it would not affect anyone's "
                    "benefits.",
                    helpful=3,
                    answer=True,
                ),
                Reply(2, "member", "Thank you. Did you need sign-off from information governance first?"),
                Reply(
                    3,
                    16,
                    "Yes: a short data protection impact assessment and a consent form in plain English. "
                    "Our IG team was quicker than I feared once they saw we were not recording video.",
                ),
                Reply(
                    4,
                    4,
                    "If it helps, the Service Manual has a good page on [getting users' consent for research]"
                    "(https://www.gov.uk/service-manual/user-research/getting-users-consent-for-research).",
                    helpful=2,
                ),
                Reply(
                    1,
                    "facilitator",
                    "Start with three or four conversations, not a survey. Pair every researcher: one asks, "
                    "one takes notes, and nobody visits a home alone. The Service Manual's [user research "
                    "guidance](https://www.gov.uk/service-manual/user-research) is a good place to begin.",
                    helpful=2,
                ),
                Reply(
                    2,
                    "member",
                    "Very helpful, @[facilitator]. I will book the first sessions for next month.",
                ),
            ),
        ),
        DemoThread(
            "Has anyone bought a low-code platform through G-Cloud?",
            14,
            "We are looking at low-code platforms for case management forms. The market is crowded and the "
            "[Digital Marketplace](https://www.digitalmarketplace.service.gov.uk/) listings all read the "
            "same.\n\nIf you have bought one, what do you wish you had asked in the clarification questions?",
            days_ago=(12, 9),
            kind=Q,
            tags=("Procurement", "Low code"),
            replies=(
                Reply(
                    1,
                    12,
                    "Ask what it costs to leave. Exporting the data is usually fine; exporting the "
                    "workflows you built is usually impossible.",
                    helpful=2,
                ),
                Reply(
                    1,
                    2,
                    "Ask how residents are licensed as well as staff. Ours charged per external user "
                    "account and it got expensive fast.",
                ),
                Reply(2, 14, "Good point, thank you. Did you manage to renegotiate?"),
                Reply(
                    3,
                    2,
                    "Partly. We moved to capacity-based pricing at renewal, but only because we were ready "
                    "to go back out to market.",
                ),
            ),
        ),
        DemoThread(
            "Accessibility statements: who is actually testing with screen readers?",
            4,
            "Our accessibility statement says we test with NVDA and VoiceOver. In practice that means one "
            "colleague, once a year.\n\nHow do you test? The [accessibility requirements for public sector "
            "websites](https://www.gov.uk/guidance/accessibility-requirements-for-public-sector-"
            "websites-and-apps) "
            "are clear about the statement, less so about how often you should check.",
            days_ago=(21, 3),
            tags=("Accessibility",),
            replies=(
                Reply(
                    1,
                    12,
                    "We run an automated check on every release and a manual screen reader pass on any new "
                    "form. The automated tools catch perhaps a third of the issues.",
                    helpful=2,
                ),
                Reply(
                    1,
                    10,
                    "We pay disabled people to test with us twice a year, through a local charity. They find "
                    "things no checklist would.",
                    helpful=4,
                ),
                Reply(2, 4, "How did you set that up? Directly, or through a research agency?"),
                Reply(
                    3,
                    10,
                    "Directly with the charity, on a simple purchase order. Happy to share the brief.",
                    edit="Directly with the charity, on a simple purchase order. Happy to share the brief: "
                    "message me.\n\n*Edited to add: the charity asked us to pay for travel too, which we now "
                    "budget for.*",
                ),
                Reply(
                    1,
                    2,
                    "Screen readers are a niche concern, honestly. Most of our residents just want their "
                    "bins collected.",
                    report="Dismissive of disabled residents. Could a facilitator have a look?",
                ),
                Reply(
                    1,
                    8,
                    "Honest answer: we are not. Our statement needs updating and this thread has given me "
                    "the push.",
                ),
            ),
        ),
    ],
    "Heads of Digital": [
        DemoThread(
            "Cyber insurance renewal: premiums up again?",
            1,
            "Our broker has come back with a 40% increase and a longer list of conditions: MFA everywhere, "
            "immutable backups, an incident response retainer.\n\nChatham House rule, so: what are you "
            "paying, and has anyone decided to self-insure instead?",
            days_ago=(40, 33),
            tags=("Cyber security", "Insurance"),
            replies=(
                Reply(
                    1,
                    "facilitator",
                    "Ours went up by a quarter. We met every condition except MFA on a handful of service "
                    "accounts, which we are fixing. Self-insuring came up, but our section 151 officer "
                    "would not hear of it.",
                    helpful=2,
                ),
                Reply(
                    2,
                    25,
                    "Same conversation here. The conditions are broadly the [NCSC's 10 Steps]"
                    "(https://www.ncsc.gov.uk/collection/10-steps), so the work is worth doing whatever the "
                    "insurer says.",
                    helpful=2,
                ),
                Reply(
                    3,
                    1,
                    "Agreed. I am using the renewal conditions as the business case for the backup work we "
                    "have wanted to do for years.",
                ),
                Reply(
                    4,
                    13,
                    "The same trick worked for us with network segmentation. Nothing focuses minds like a "
                    "renewal date.",
                ),
                Reply(
                    1,
                    13,
                    "We dropped cover for ransom payments altogether. The premium difference was small, and "
                    "it removes a temptation.",
                ),
            ),
        ),
        DemoThread(
            "Microsoft licensing uplift: how are you budgeting for next year?",
            25,
            "Our renewal comes in well above inflation, and finance want to know why digital is the one "
            "budget line that only goes up.\n\nHow are you presenting it? Are you moving some staff to "
            "cheaper licences?",
            days_ago=(18, 6),
            kind=Q,
            tags=("Licensing", "Budgets"),
            replies=(
                Reply(
                    1,
                    "facilitator",
                    "We reviewed every licence against actual use. About a fifth of our staff had E5 but "
                    "never used more than email and Teams; moving them to F3 or E3 paid for most of the "
                    "uplift.",
                    helpful=3,
                    answer=True,
                ),
                Reply(2, 25, "A fifth is a lot. How did you get the usage data?"),
                Reply(
                    3,
                    "facilitator",
                    "The admin centre's usage reports, checked against HR's job families. It took one "
                    "analyst two weeks.",
                ),
                Reply(
                    1,
                    1,
                    "We bought through a reseller framework this year and got a slightly better deal, but "
                    "the bigger saving was switching off add-ons nobody remembered buying.",
                ),
            ),
        ),
    ],
    "Adult Social Care": [
        DemoThread(
            "Hospital discharge this winter: what is working?",
            20,
            "A running thread for the winter. Post what is helping people get home from hospital safely and "
            "quickly, and what is not.\n\nUseful things to include:\n\n- which discharge pathway it is "
            "about (0 to 3)\n- the numbers, even rough ones\n- who you worked with: the trust, the ICB, "
            "providers, the voluntary sector\n\nMost of us work from the [hospital discharge and community "
            "support "
            "guidance](https://www.gov.uk/government/publications/hospital-discharge-service-policy-and-operating-model).",
            days_ago=(120, 0.8),
            tags=("Hospital discharge", "Winter"),
            pool=HOSPITAL_DISCHARGE,
            generated=260,
            replies=(
                Reply(
                    1,
                    "member",
                    "A housing view: many of our delayed discharges are people whose home no longer suits "
                    "them. A housing officer in the discharge hub two days a week has cut the time it takes "
                    "to find somewhere else. @[20], happy to share the job description.",
                    helpful=3,
                ),
                Reply(2, 20, "Yes please, @[member]. That is the piece we are missing.", notify=True),
            ),
        ),
        DemoThread(
            "Moving home care to outcome-based contracts: 18 months in",
            0,
            "We moved from time-and-task home care to outcome-based contracts with six providers across four "
            "zones. Eighteen months in, here is what we have learned.\n\n**What went well**\n\n"
            "- Providers adjust visits with the person without asking us each time.\n"
            "- Packages handed back to us fell by about half.\n"
            "- Care workers tell us they feel trusted.\n\n**What was hard**\n\n"
            "- Our finance system still wants hours, so we keep two sets of numbers.\n"
            "- Reviews slipped at first, because social workers did not trust the new outcome plans.\n\n"
            "Ask me anything.",
            days_ago=(90, 70),
            tags=("Home care", "Commissioning"),
            replies=(
                Reply(
                    1, 3, "How did you price it? Per person per week, or a block payment per zone?", helpful=1
                ),
                Reply(
                    2,
                    0,
                    "A banded weekly rate per person, reviewed at six weeks and then every year. The zone "
                    "contracts guarantee each provider a minimum volume.",
                ),
                Reply(3, 27, "Did the minimum volume cause trouble when demand dropped in the summer?"),
                Reply(
                    4,
                    0,
                    "A little. We paid for some unused capacity in August, but far less than we used to "
                    "spend on spot purchasing every January.",
                    helpful=2,
                ),
                Reply(
                    1,
                    9,
                    "We tried this and our lawyers worried about evidencing value for money without hours. "
                    "What does your contract management look like?",
                ),
                Reply(
                    2,
                    20,
                    "Not Priya, but we run a similar model: quarterly outcome reviews with each provider "
                    "and a sample of case file audits. The value for money case rests on fewer hospital "
                    "admissions, which the ICB now co-funds.",
                    helpful=2,
                ),
                Reply(1, 31, "A really useful write-up. Thank you for being so open about what was hard."),
            ),
        ),
        DemoThread(
            "Care Act assessment waiting lists: how long is yours?",
            23,
            "We have just reported our assessment waiting list to scrutiny and members asked how we compare. "
            "How many people are waiting for a Care Act assessment in your area, and how long is the median "
            "wait?",
            days_ago=(60, 52),
            tags=("Assessments", "Performance"),
            locked="Locked: replies had started to describe individual people. Please start a new "
            "conversation for general questions about waiting lists.",
            replies=(
                Reply(
                    1,
                    29,
                    "About 600 people waiting, with a median wait just under eight weeks. We triage by risk "
                    "every week.",
                ),
                Reply(
                    1,
                    11,
                    "We cleared ours with overtime and an agency team, then watched it grow back within six "
                    "months. Overtime is not a strategy.",
                    helpful=3,
                ),
                Reply(2, 23, "That matches what I am hearing. Did anything stop it growing back?"),
                Reply(
                    3,
                    11,
                    "Moving reviews of stable packages to a lighter, phone-based format freed enough "
                    "capacity to stay level.",
                    helpful=2,
                ),
                Reply(
                    1,
                    33,
                    "One of ours is a 91-year-old man on Victoria Road who has been waiting since March; his "
                    "daughter has emailed the leader of the council twice.",
                    hide="This post described a person who uses services in enough detail to identify them.",
                ),
            ),
        ),
        DemoThread(
            "Direct payments: is anyone still using prepaid cards?",
            7,
            "Our prepaid card contract ends in the spring. Some people love the cards; others find them "
            "restrictive and would rather have the money in an ordinary bank account.\n\nHave you kept "
            "cards, moved to managed accounts, or done something else?",
            days_ago=(9, 4),
            kind=Q,
            tags=("Direct payments",),
            replies=(
                Reply(
                    1,
                    5,
                    "We kept cards as an option, not the default. About a third chose them, mostly people "
                    "whose families manage the payments.",
                ),
                Reply(1, 21, "Watching this with interest: same contract, same decision to make."),
            ),
        ),
    ],
    "Housing and Homelessness": [
        DemoThread(
            "Homelessness guidance and data returns: quick links",
            2,
            "The links we keep asking each other for:\n\n"
            "- [Homelessness code of guidance for local authorities]"
            "(https://www.gov.uk/guidance/homelessness-code-of-guidance-for-local-authorities)\n"
            "- [Homelessness statistics, including H-CLIC]"
            "(https://www.gov.uk/government/collections/homelessness-statistics)\n\n"
            "Reply with anything you think belongs here and I will add it to the list.",
            days_ago=(250, 200),
            tags=("Guidance",),
            pinned=True,
            replies=(
                Reply(
                    1,
                    26,
                    "Could we add Shelter's legal pages? Our officers use them more than the code itself: "
                    "[Shelter legal](https://england.shelter.org.uk/professional_resources/legal).",
                    helpful=2,
                ),
                Reply(2, 2, "Good idea. Added."),
            ),
        ),
        DemoThread(
            "How are you using the Homelessness Prevention Grant top-up?",
            "member",
            "We have had a top-up to our Homelessness Prevention Grant, with a steer to spend it on "
            "prevention rather than temporary accommodation.\n\nWhat are you funding with it? We are "
            "considering:\n\n1. a landlord incentive scheme to keep tenancies going\n2. more officers in "
            "the prevention team\n3. a small fund for rent arrears\n\nI would especially like to hear from "
            "anyone who has evaluated a landlord incentive scheme.",
            days_ago=(6, 1.5),
            kind=Q,
            tags=("Homelessness prevention", "Funding"),
            replies=(
                Reply(
                    1,
                    6,
                    "We ran a landlord incentive scheme for a year. The honest result: it kept about 60 "
                    "tenancies going that would otherwise have ended, at roughly the cost of eight weeks in "
                    "temporary accommodation per household.",
                    helpful=2,
                    notify=True,
                ),
                Reply(
                    2,
                    "member",
                    "That is a good return. Did landlords stay in the scheme after the first payment?",
                ),
                Reply(
                    3,
                    6,
                    "Most did. The ones who left were planning to sell anyway; no incentive would have kept "
                    "them.",
                ),
                Reply(
                    1,
                    32,
                    "Officers first, in our experience. A fund without people to use it sits in the bank.",
                ),
            ),
        ),
        DemoThread(
            "Temporary accommodation costs: nightly-paid versus leased",
            12,
            "We compared what we paid per unit per week for each kind of temporary accommodation last "
            "year:\n\n| Kind | Average cost a week | Households |\n| --- | ---: | ---: |\n| Nightly-paid, "
            "self-contained | £420 | 310 |\n| Nightly-paid, shared (B&B) | £365 | 45 |\n| Private sector "
            "leased | £290 | 520 |\n| Council-owned hostels | £210 | 140 |\n\nHousing benefit subsidy "
            "covers only part of the nightly-paid rate, so every household we move into leased homes saves "
            "real money. How are you growing your leased portfolio?",
            days_ago=(80, 66),
            tags=("Temporary accommodation", "Costs"),
            replies=(
                Reply(
                    1,
                    18,
                    "We bought back 40 former right-to-buy flats with borrowing and the Local Authority "
                    "Housing Fund. Slow, but the numbers work over ten years.",
                    helpful=3,
                ),
                Reply(2, 12, "How long did the purchases take from approval to the first family moving in?"),
                Reply(
                    3, 18, "About seven months on average. Conveyancing was the slow part, not the repairs."
                ),
                Reply(
                    1,
                    22,
                    "Our leasing scheme struggles because landlords get more from the nightly market. Has "
                    "anyone agreed a rate cap with neighbouring councils?",
                ),
                Reply(
                    2,
                    2,
                    "We tried with our neighbouring districts. It held for about four months, until one "
                    "council broke it under pressure.",
                ),
            ),
        ),
        DemoThread(
            "H-CLIC returns: when do you record 'contact lost'?",
            26,
            "Our caseworkers record 'contact lost' very differently, and the quarterly H-CLIC validation "
            "keeps flagging it.\n\nWhen does a case move to contact lost for you, and how many attempts do "
            "you make first?",
            days_ago=(140, 137),
            kind=Q,
            tags=("H-CLIC", "Data"),
            replies=(
                Reply(
                    1,
                    22,
                    "Three attempts over at least 14 days, by two different means (phone, and letter or "
                    "email), each one noted on the case. Then the case closes as contact lost and a closing "
                    "letter goes out.",
                    helpful=3,
                    answer=True,
                ),
                Reply(2, 26, "Thank you, that is clear. Is it written down in a procedure note?"),
                Reply(3, 22, "Yes, one page. I will post it here once our team manager has checked it."),
            ),
        ),
    ],
    "Climate Emergency": [
        DemoThread(
            "Public Sector Decarbonisation Scheme: lessons from our bid",
            4,
            "We were successful in the latest round, for heat pumps in three leisure centres and a library. "
            "Some lessons:\n\n"
            "- Get the heat loss surveys done before the window opens. We could not have done them in time "
            "otherwise.\n"
            "- Talk to the electricity network operator early: grid capacity nearly sank one site.\n"
            "- The match funding conversation with finance took longer than the technical work.\n\n"
            "The scheme is run by [Salix](https://www.salixfinance.co.uk/).",
            days_ago=(110, 95),
            tags=("Funding", "Heat pumps"),
            replies=(
                Reply(
                    1,
                    24,
                    "The grid capacity point cannot be made often enough. One of our sites needed a new "
                    "substation that would have cost more than the heat pump.",
                    helpful=2,
                ),
                Reply(2, 4, "Did you find a way round it, or drop the site?"),
                Reply(
                    3,
                    24,
                    "We dropped it from that round. We are looking at better insulation and a smaller heat "
                    "pump first.",
                ),
                Reply(
                    1,
                    "facilitator",
                    "A digital angle: we built a small dashboard of meter data for each building before "
                    "bidding. It made the carbon savings much easier to evidence.",
                    helpful=1,
                ),
                Reply(
                    1,
                    12,
                    "Congratulations, and thank you for writing this up. @[member], this might help with the "
                    "temporary accommodation retrofit idea you mentioned.",
                ),
                Reply(2, "member", "It does, thank you @[12]. I will pick it up with our asset team."),
            ),
        ),
        DemoThread(
            "Scope 3 emissions: what method are you using for procurement spend?",
            15,
            "Our emissions baseline covers scopes 1 and 2 well. Scope 3 from the goods and services we buy "
            "is the big unknown, and it is most of our footprint.\n\nAre you using spend-based emission "
            "factors, supplier data, or a mix? Which factors?",
            days_ago=(50, 44),
            kind=Q,
            tags=("Carbon accounting", "Procurement"),
            replies=(
                Reply(
                    1,
                    35,
                    "Spend-based for now, using the [government conversion "
                    "factors](https://www.gov.uk/government/collections/"
                    "government-conversion-factors-for-company-reporting), "
                    "with supplier data for our ten biggest contracts. Rough, but it shows where to focus.",
                    helpful=3,
                    answer=True,
                ),
                Reply(2, 15, "How did you get the ten suppliers to give you their data?"),
                Reply(
                    3,
                    35,
                    "We asked nicely, then wrote it into the contracts at renewal. The second approach works "
                    "better.",
                    helpful=2,
                ),
                Reply(
                    1,
                    24,
                    "We use the LGA's greenhouse gas accounting tool. Its scope 3 estimates are crude but "
                    "consistent between councils, which helps when we compare.",
                ),
            ),
        ),
        DemoThread(
            "Retrofit: is anyone running a one-stop shop for homeowners who can pay?",
            4,
            "Grant-funded retrofit reaches a small share of homes. We want to help the much larger group "
            "who could pay for insulation and a heat pump but do not know where to start or whom to "
            "trust.\n\nHas anyone set up a one-stop shop, with advice, vetted installers and finance? What "
            "does it cost to run?",
            days_ago=(14, 10),
            kind=Q,
            tags=("Retrofit",),
            replies=(
                Reply(
                    1,
                    12,
                    "We are looking at the same thing across Greater Manchester. The hardest part seems to "
                    "be finding installers who will take on small jobs.",
                ),
                Reply(
                    1,
                    35,
                    "We tried a free advice line. Lots of calls, very few retrofits: people needed someone "
                    "to visit, not a phone number.",
                    helpful=2,
                ),
            ),
        ),
    ],
    "Procurement": [
        DemoThread(
            "Procurement Act 2023: what changed for us on day one",
            7,
            "What actually changed in our team when the new regime went live:\n\n1. Every procurement "
            "starts with a preliminary market engagement notice, even when we do not strictly need one.\n2. "
            "Our contracts register feeds the central digital platform.\n3. We rewrote the evaluation "
            'templates to say "most advantageous tender", then explained to everyone that the scoring is '
            "much the same.\n\nThe [guidance "
            "documents](https://www.gov.uk/government/collections/procurement-act-2023-guidance-documents) "
            "are long but good. What changed for you?",
            days_ago=(100, 85),
            tags=("Procurement Act 2023",),
            replies=(
                Reply(
                    1,
                    17,
                    "The biggest change for us was the notices during contract management: payment "
                    "compliance, performance, modifications. Nobody had owned those before.",
                    helpful=2,
                ),
                Reply(2, 7, "Same here. Who owns them now in your council?"),
                Reply(
                    3,
                    17,
                    "Contract managers in the services, with procurement checking every quarter. We built a "
                    "simple tracker in SharePoint.",
                ),
                Reply(
                    1,
                    27,
                    "We found [Find a Tender](https://www.find-tender.service.gov.uk/) easier to use than we "
                    "expected.",
                    edit="We found [Find a Tender](https://www.find-tender.service.gov.uk/) easier to use "
                    "than we expected. The training we needed was about the notices, not the system.",
                ),
                Reply(
                    1,
                    37,
                    "Does anyone have a plain-English note for budget holders? Ours keep asking what they "
                    "need to do differently.",
                ),
                Reply(
                    2,
                    39,
                    "We wrote a two-page one. The short version: talk to procurement earlier, and keep a "
                    "record of every conversation with suppliers.",
                    helpful=2,
                ),
            ),
        ),
        DemoThread(
            "How are you handling the SEND transport tender?",
            39,
            "Our home to school transport contracts for children with special educational needs come up "
            "next summer. Costs rise every year and the market is thin: the same few taxi firms bid on "
            "almost every route.\n\nHow are you structuring the tender? A dynamic market, route-by-route "
            "competitions, or something else?",
            days_ago=(40, 31),
            kind=Q,
            tags=("SEND", "Home to school transport"),
            replies=(
                Reply(
                    1,
                    27,
                    "We set up a dynamic market under the new Act, with routes let in packages each term. It "
                    "brought in a few new operators, including two community transport charities.",
                    helpful=3,
                    answer=True,
                ),
                Reply(2, 39, "How much work is it to re-let routes every term?"),
                Reply(
                    3,
                    27,
                    "A lot, honestly. We batch them: most routes run for a year, and only those that change "
                    "are re-let mid-year.",
                ),
                Reply(
                    1,
                    7,
                    "Look at independent travel training alongside the tender. Every young person who "
                    "learns to travel on their own is one fewer taxi, and it is better for them.",
                    helpful=4,
                ),
                Reply(2, 17, "Agreed. Our travel training team paid for itself within the first year."),
                Reply(
                    1,
                    37,
                    "Personal transport budgets have worked for some of our families: parents arrange the "
                    "transport and we pay a mileage-based allowance.",
                ),
            ),
        ),
        DemoThread(
            "Below-threshold contracts: what are you publishing?",
            37,
            "Under the new regime we have to publish notices for below-threshold contracts over a certain "
            "value, and our services buy a lot of small things from small suppliers.\n\nAre you publishing "
            "more than the minimum? Is anyone running every quotation through one system?",
            days_ago=(8, 5),
            kind=Q,
            tags=("Procurement Act 2023", "Transparency"),
            replies=(Reply(1, 17, "The minimum only, for now. We will review it after six months."),),
        ),
    ],
    "Children's Services": [
        DemoThread(
            "Family hubs 18 months in: what does a good Start for Life offer look like?",
            3,
            "We have six family hubs open. The buildings were the easy part.\n\nWhat we are still working "
            "on:\n\n- midwives and health visitors running sessions from the hubs\n- an infant feeding "
            "offer that is the same in every hub\n- parents who never come through the door\n\nWhat has "
            "worked for you?",
            days_ago=(75, 64),
            tags=("Family hubs", "Start for Life"),
            replies=(
                Reply(
                    1,
                    29,
                    "Health visitors' drop-ins moved into our hubs last year and footfall doubled. The key "
                    "was a shared booking system, not a shared building.",
                    helpful=3,
                ),
                Reply(2, 3, "Which booking system? Ours cannot talk to the NHS one at all."),
                Reply(
                    3,
                    29,
                    "A simple one on our existing council booking platform, with the health visiting team as "
                    "administrators. Not elegant, but it works.",
                ),
                Reply(
                    1,
                    19,
                    "For parents who never come, we went to them: sessions in supermarket community rooms "
                    "and at the football club reached families we had never seen.",
                    helpful=2,
                ),
                Reply(
                    1,
                    39,
                    "Our parent carer panel reviewed every leaflet. They halved the word count and changed "
                    "'service users' to 'parents' everywhere.",
                ),
            ),
        ),
        DemoThread(
            "Supporting Families: how are you evidencing 'significant and sustained progress'?",
            39,
            "Our claims keep being queried on the 'sustained' part. How long after a case closes do you "
            "check outcomes, and what data do you use?\n\nWe follow the [Supporting "
            "Families](https://www.gov.uk/government/collections/supporting-families) outcome framework, "
            "but each of our teams reads it differently.",
            days_ago=(35, 28),
            kind=Q,
            tags=("Supporting Families", "Outcomes"),
            replies=(
                Reply(
                    1,
                    9,
                    "Six months after closure, by matching data rather than asking families: school "
                    "attendance, police call-outs, housing and benefits. It needs a data sharing agreement "
                    "with each partner, which took us a year.",
                    helpful=3,
                    answer=True,
                ),
                Reply(2, 39, "A year! Was it the police or the schools that took longest?"),
                Reply(
                    3,
                    9,
                    "The police, by some distance. Schools were quick once our data protection officer had "
                    "signed it off.",
                ),
                Reply(
                    1,
                    19,
                    "Remember the lead practitioner's judgement too. The framework allows it, and auditors "
                    "accept it when it is well recorded.",
                ),
            ),
        ),
    ],
    "Planning and Development": [
        DemoThread(
            "Lessons from our Local Plan examination",
            3,
            "Our Local Plan examination finished last month. Some lessons while they are fresh:\n\n1. "
            "**Evidence base**: the inspector spent more time on housing land supply than anything else. "
            "Have the trajectory site by site.\n2. **Statements of common ground**: sign them early, with "
            "every neighbouring authority. A missing one cost us two hearing days.\n3. **Main "
            "modifications**: keep one tracker that everyone edits. At one point we had three.\n\nIf your "
            "examination is coming up, the [plan-making guidance](https://www.gov.uk/guidance/plan-making) "
            "is the place to start.",
            days_ago=(150, 120),
            tags=("Local plans", "Examination"),
            replies=(
                Reply(
                    1,
                    23,
                    "Thank you, this is gold. How many hearing days did you have in the end?",
                    helpful=1,
                ),
                Reply(2, 3, "Fourteen, in two blocks. We had planned for ten."),
                Reply(3, 13, "Fourteen is a lot. Was it the housing numbers that took the time?"),
                Reply(
                    4,
                    3,
                    "The housing numbers and one contested strategic site. The site promoters brought a "
                    "barrister, which we had not expected.",
                ),
                Reply(
                    5,
                    33,
                    "Ours did too. Budget for counsel on the strategic sites from the start, even if you "
                    "hope not to need it.",
                    helpful=2,
                ),
                Reply(
                    1,
                    "member",
                    "A housing question: did the inspector push back on your affordable housing target?",
                ),
                Reply(
                    2,
                    3,
                    "Yes, they reduced it in one zone after the viability evidence. @[member], our viability "
                    "consultant's report is in the public examination library if you want to read it.",
                ),
                Reply(
                    1,
                    33,
                    "So true about statements of common ground. Ours with the county council took eight "
                    "months to agree.",
                ),
            ),
        ),
        DemoThread(
            "Biodiversity net gain: who is monitoring the 30-year habitat plans?",
            23,
            "We are approving habitat management and monitoring plans that run for 30 years, and I am not "
            "sure anyone will be checking them in year 12.\n\nAre you charging a monitoring fee through "
            "section 106? Who does the checking: in-house ecologists, a shared service, or consultants? "
            "(Background: [biodiversity net "
            "gain](https://www.gov.uk/government/collections/biodiversity-net-gain).)",
            days_ago=(25, 19),
            kind=Q,
            tags=("Biodiversity net gain", "Section 106"),
            replies=(
                Reply(
                    1,
                    13,
                    "We charge a monitoring fee per plan, set to cover site visits in years 2, 5 and 10 and "
                    "every five years after that. Whether it is enough, nobody knows yet.",
                    helpful=2,
                ),
                Reply(
                    1,
                    33,
                    "A shared ecology service across four districts. It was the only way we could afford a "
                    "qualified ecologist.",
                ),
                Reply(2, 23, "Does the shared service have a formal agreement, or is it a simple recharge?"),
            ),
        ),
        DemoThread(
            "Planning enforcement: sharing our new local enforcement plan",
            33,
            "We have rewritten our local enforcement plan in plain English, with clear priorities and how "
            "long each stage should take. Happy to share it with anyone doing the same.\n\nThe main change: "
            "we tell complainants at the start how we will prioritise their case, so fewer of them chase us "
            "every week.",
            days_ago=(55, 50),
            tags=("Planning enforcement",),
            replies=(
                Reply(1, 3, "Yes please. Ours dates from 2015 and it shows."),
                Reply(1, 23, "Did you consult on it publicly, or was it a delegated decision?"),
                Reply(
                    2,
                    33,
                    "Delegated, after a briefing for planning committee members. A full consultation would "
                    "not have told us much the complaints had not.",
                ),
            ),
        ),
    ],
    "Waste and Recycling": [
        DemoThread(
            "Simpler Recycling: key dates and guidance",
            4,
            "The essentials in one place. The [Simpler Recycling policy "
            "update](https://www.gov.uk/government/publications/simpler-recycling-in-england-policy-update) "
            "sets out what councils in England must collect from households, including weekly food "
            "waste.\n\nPlease reply with:\n\n- your start date for food waste collections\n- whether you "
            "are buying vehicles or adapting the ones you have\n- anything that surprised you\n\nI will "
            "keep this post up to date.",
            days_ago=(85, 40),
            tags=("Simpler Recycling", "Food waste"),
            pinned=True,
            replies=(
                Reply(
                    1,
                    34,
                    "Food waste from April, new vehicles on order, and the caddy liner question still open.",
                ),
                Reply(
                    1,
                    24,
                    "We started early with a pilot covering 8,000 homes. Participation is about 45% and "
                    "climbing slowly.",
                    helpful=2,
                ),
                Reply(2, 14, "45% is better than our first pilot. What did your communications look like?"),
                Reply(
                    3,
                    24,
                    'A caddy delivered with a leaflet, a "No food waste" sticker on the general waste '
                    "bin, then a second leaflet a month later. The stickers did the most.",
                    helpful=3,
                ),
                Reply(
                    4,
                    4,
                    "Stickers cost so little for the difference they make. Adding them to our plan, thanks.",
                ),
            ),
        ),
        DemoThread(
            "Food waste caddies: deliver to every home or let residents ask?",
            34,
            "We are about to order kitchen and kerbside caddies. Delivering to every household is "
            "expensive, and some caddies will never be used; letting residents ask for one risks low "
            "take-up.\n\nWhat did you do, and would you do it again?",
            days_ago=(30, 22),
            kind=Q,
            tags=("Food waste",),
            replies=(
                Reply(
                    1,
                    24,
                    "Deliver to every home. Asking was our first plan, and participation was half what it "
                    "was with blanket delivery.",
                    helpful=3,
                    answer=True,
                ),
                Reply(2, 34, "Did your crews deliver them, or a contractor?"),
                Reply(
                    3,
                    24,
                    "A contractor, over six weeks, on routes that matched collection days. The crews were "
                    "too busy with their rounds.",
                ),
                Reply(
                    1,
                    14,
                    "Deliver, but let residents buy their own liners after the first roll. Liners cost us a "
                    "fortune in the first year.",
                ),
            ),
        ),
        DemoThread(
            "In-cab technology: what did you choose, and would you choose it again?",
            14,
            "Our in-cab system is up for renewal. Crews like the screens; supervisors dislike the reporting. "
            "Before we go to market: what are you using, and what do you wish it did?",
            days_ago=(16, 13),
            tags=("Fleet", "Technology"),
            replies=(
                Reply(
                    1,
                    4,
                    "We would choose ours again, mainly because a missed bin report now goes straight from "
                    "the resident's online form to the cab. That link is the whole value.",
                    helpful=2,
                ),
                Reply(
                    1,
                    34,
                    "Check how it behaves with no mobile signal. Half our rural rounds are in dead zones, "
                    "and the screens used to freeze.",
                ),
            ),
        ),
    ],
    "Public Health Intelligence": [
        DemoThread(
            "A data sharing agreement with the ICB for linked GP data: template anyone?",
            10,
            "We want linked primary care data for our joint strategic needs assessment. The ICB is willing, "
            "but has asked us to draft the data sharing agreement.\n\nDoes anyone have a template that has "
            "got through both an ICB's and a council's information governance? The [ICO's guidance for "
            "organisations](https://ico.org.uk/for-organisations/) helps, but it is not a template.",
            days_ago=(55, 48),
            kind=Q,
            tags=("Data sharing", "JSNA"),
            replies=(
                Reply(
                    1,
                    30,
                    "We have one that went through last year. The clauses that mattered were the legal basis "
                    "(our public health functions), pseudonymisation at source, and a rule suppressing small "
                    "numbers in anything published.",
                    helpful=3,
                    answer=True,
                ),
                Reply(2, 10, "Would you be willing to share it? I will message you."),
                Reply(
                    1,
                    15,
                    "Ask the ICB whether it already has an agreement with another council in the same "
                    "system. Reusing one saved us months.",
                    helpful=2,
                ),
            ),
        ),
        DemoThread(
            "JSNA on a page: show us yours",
            15,
            "Our directors told us the joint strategic needs assessment is too long to read. We are trying "
            "a one-page summary for each chapter: three numbers and three actions.\n\nIs anyone else doing "
            "this? We take most of the comparisons from [Fingertips](https://fingertips.phe.org.uk/).",
            days_ago=(20, 15),
            tags=("JSNA",),
            replies=(
                Reply(1, 5, "Yes, and the one-pagers are now by far the most downloaded part of our JSNA."),
                Reply(2, 15, "Do you still publish the long chapters?"),
                Reply(
                    3,
                    5,
                    "Yes, linked from each page. Analysts and commissioners still read them; nobody else "
                    "did.",
                ),
                Reply(
                    1,
                    30,
                    "We built ours as a Power BI report rather than PDFs, so the numbers update themselves.",
                ),
            ),
        ),
    ],
    "Revenues and Benefits": [
        DemoThread(
            "Council tax support: how did you set the bands in a banded scheme?",
            38,
            "We are consulting on moving from a means-tested council tax support scheme to an income-banded "
            "one, mainly to stop the constant small changes for people on Universal Credit.\n\nHow did you "
            "set the bands, and how did you protect people who would lose out?",
            days_ago=(40, 35),
            kind=Q,
            tags=("Council tax support",),
            replies=(
                Reply(
                    1,
                    18,
                    "Five bands, set by modelling every current claimant's income so that no band edge fell "
                    "where lots of people were clustered. For the first year we kept a discretionary fund "
                    "for anyone worse off by more than a few pounds a week.",
                    helpful=2,
                    answer=True,
                ),
                Reply(2, 38, "Did the modelling take long?"),
                Reply(3, 18, "About a month with our data analyst, most of it cleaning the income data."),
                Reply(
                    1,
                    8,
                    "We did the same. The biggest win was fewer bills: people no longer get a new one every "
                    "time their Universal Credit changes slightly.",
                    helpful=1,
                ),
            ),
        ),
        DemoThread(
            "Single person discount review: in-house or outsourced?",
            8,
            "Our single person discount review is due. Last time we used a company paid on a share of the "
            "savings. It found a lot, but complaints went up too.\n\nHas anyone run the review in-house with "
            "credit reference data?",
            days_ago=(31, 30),
            tags=("Council tax",),
            replies=(
                Reply(
                    1,
                    18,
                    "In-house for the last two reviews. Fewer discounts removed than the outsourced one "
                    "found, but far fewer removed wrongly, and far fewer complaints.",
                    helpful=1,
                ),
                Reply(
                    1,
                    38,
                    "We outsource the data matching but make every decision ourselves: a fair middle way.",
                ),
            ),
        ),
    ],
    "Chief Executives' Network": [
        DemoThread(
            "Local government reorganisation: how are you keeping staff on board?",
            0,
            "With reorganisation proposals on the table, our staff are anxious and some of our best people "
            "are already looking elsewhere.\n\nWhat are you telling your workforce at this stage, when so "
            "little is decided?",
            days_ago=(45, 8),
            tags=("Reorganisation", "Workforce"),
            replies=(
                Reply(
                    1,
                    10,
                    "We hold a monthly all-staff call, even when there is nothing new to say. Saying "
                    '"nothing has changed" regularly beats silence.',
                    helpful=2,
                ),
                Reply(2, 0, "That takes discipline. Do you take questions live?"),
                Reply(
                    3,
                    10,
                    "Live, and anonymously through a simple form. The questions are harder than I would "
                    "like, which is the point.",
                ),
                Reply(
                    1,
                    20,
                    "We agreed retention payments for a few roles we cannot afford to lose before vesting "
                    "day. Controversial, but it has worked so far.",
                ),
                Reply(
                    1,
                    30,
                    "Be careful about promising no redundancies. Our neighbours did, and it is now the only "
                    "thing anyone remembers.",
                    helpful=1,
                ),
            ),
        ),
        DemoThread(
            "Independent financial assurance: who are you using?",
            20,
            "Our members have asked for an independent review of the medium-term financial strategy before "
            "budget setting. The usual firms are busy.\n\nWho have you used, and was it worth the fee?",
            days_ago=(10, 8),
            kind=Q,
            tags=("Finance", "Governance"),
            replies=(
                Reply(
                    1,
                    30,
                    "We had a peer challenge through the [LGA](https://www.local.gov.uk/) instead of a firm. "
                    "Less forensic, more practical, and much cheaper.",
                ),
            ),
        ),
    ],
}


# --- Seeding -----------------------------------------------------------------------------------------
MENTION = re.compile(r"@\[(\w+)\]")
NOTICE_DELAY = timedelta(minutes=20)  # how long after a post its notices, reports and edits came


@dataclass
class _Seeding:
    """What every thread's seeding shares: the demo people, the clock, and what is left to do at the end."""

    now: datetime
    logins: dict[str, User]
    colleagues: list[User]
    handles: dict[int, str] = field(default_factory=dict)  # user id -> handle, for generated mentions
    profile_urls: dict[str, str | None] = field(default_factory=dict)
    to_notify: list[int] = field(default_factory=list)
    post_times: dict[int, datetime] = field(default_factory=dict)  # handwritten posts: when they were posted

    def person(self, key: Key) -> User:
        # As khub.demo_communities reads its keys: a login by name, or the n-th colleague.
        return self.logins[key] if isinstance(key, str) else self.colleagues[key % len(self.colleagues)]

    def text(self, body: str) -> str:
        return MENTION.sub(lambda m: "@" + self.person(int(m[1]) if m[1].isdigit() else m[1]).handle, body)

    def soon_after(self, moment: datetime) -> datetime:
        return min(moment + NOTICE_DELAY, self.now)

    def render(self, body: str) -> str:
        """The HTML post_reply would store: mentions of active members linked to their profiles."""
        return markdown_render_with_mentions(body, self._resolve)

    def _resolve(self, handles: set[str]) -> dict[str, str]:
        unknown = handles - self.profile_urls.keys()
        if unknown:
            self.profile_urls.update(dict.fromkeys(unknown))
            people = User.objects.filter(handle__in=unknown, is_active=True, erased_at__isnull=True)
            for handle in people.values_list("handle", flat=True):
                self.profile_urls[handle] = reverse("profiles:profile", args=[handle])
        return {handle: self.profile_urls[handle] for handle in handles if self.profile_urls[handle]}


@transaction.atomic
def seed_conversations(*, threads_by_community: dict[str, list[DemoThread]] | None = None) -> int:
    """Create the demo conversations (THREADS unless others are given, as khub.demo_recent does) that do not
    exist yet; returns how many of them there are."""
    logins, colleagues = _people()
    seeding = _Seeding(now=timezone.now(), logins=logins, colleagues=colleagues)
    titles = []
    for name, threads in (THREADS if threads_by_community is None else threads_by_community).items():
        titles += [spec.title for spec in threads]
        community = Community.objects.filter(slug=slugify(name)).first()
        if community is None:
            continue
        existing = set(Thread.objects.filter(community=community).values_list("title", flat=True))
        new = [spec for spec in threads if spec.title not in existing]
        if not new:
            continue
        active = Membership.objects.filter(community=community, state=Membership.State.ACTIVE)
        members = list(User.objects.filter(memberships__in=active).select_related("council").order_by("pk"))
        owner = active.filter(role=Membership.Role.OWNER).select_related("user").order_by("pk").first().user
        seeding.handles.update((member.pk, member.handle) for member in members)
        for spec in new:
            _seed_thread(seeding, community=community, members=members, owner=owner, spec=spec)
        latest = community.threads.aggregate(latest=Max("last_activity_at"))["latest"]
        Community.objects.filter(pk=community.pk).update(last_activity_at=latest)
    # The few notices meant to be seen (member@'s inbox), sent as the task would have sent them.
    for post_id in seeding.to_notify:
        conversations.post_notify(post_id=post_id)
    _backdate_notices(seeding)
    return Thread.objects.filter(title__in=titles).count()


def _seed_thread(
    seeding: _Seeding, *, community: Community, members: list[User], owner: User, spec: DemoThread
) -> None:
    # Each thread has its own random stream: the same replies and marks whichever threads are skipped.
    rng = random.Random(f"{community.slug}/{spec.title}")
    start, end = (seeding.now - timedelta(days=days) for days in spec.days_ago)
    times = _timeline(rng, start, end, 1 + spec.generated + len(spec.replies))
    author = seeding.person(spec.author)
    thread = conversations.thread_create(
        author=author,
        community=community,
        title=spec.title,
        body=seeding.text(spec.body),
        kind=spec.kind,
        tags=list(spec.tags),
    )
    opening = thread.opening_post
    if spec.generated:
        _generate_replies(
            seeding,
            thread=thread,
            opening=opening,
            members=members,
            spec=spec,
            times=times[1 : 1 + spec.generated],
        )
    # Handwritten replies, through the service: each one moved back in time below, so that the rate limit
    # (posts in the last minute) never counts more than one thread's worth.
    made, latest = [opening], {0: opening}
    for reply, moment in zip(spec.replies, times[1 + spec.generated :], strict=True):
        post = conversations.post_reply(
            author=seeding.person(reply.author),
            thread=thread,
            body=seeding.text(reply.body),
            parent=latest[reply.level - 1],
        )
        post.created_at = moment
        latest[reply.level] = post
        made.append(post)
    opening.created_at = times[0]
    for post in made:
        post.notified_at = post.created_at
    for reply, post in zip(spec.replies, made[1:], strict=True):
        _act_on(seeding, reply=reply, post=post, thread=thread, members=members, owner=owner, rng=rng)
    if spec.pinned:
        moderation.thread_set_pinned(actor=owner, thread=thread, pinned=True)
    if spec.locked:
        moderation.thread_set_locked(actor=owner, thread=thread, locked=True, reason=spec.locked)
    Post.objects.bulk_update(made, ["created_at", "notified_at", "edited_at"])
    Thread.objects.filter(pk=thread.pk).update(created_at=times[0], last_activity_at=times[-1])
    if spec.pinned or spec.locked or any(reply.hide for reply in spec.replies):
        ModerationLogEntry.objects.filter(thread=thread).update(created_at=seeding.soon_after(times[-1]))
    seeding.post_times.update((post.pk, post.created_at) for post in made)


def _act_on(
    seeding: _Seeding,
    *,
    reply: Reply,
    post: Post,
    thread: Thread,
    members: list[User],
    owner: User,
    rng: random.Random,
) -> None:
    """What others did with a handwritten reply: helpful marks, the answer, an edit, a report, hiding it."""
    others = [member for member in members if member.pk != post.author_id]
    for member in rng.sample(others, min(reply.helpful, len(others))):
        conversations.post_helpful_toggle(user=member, post=post)
    if reply.answer:
        conversations.thread_mark_answer(actor=thread.author, thread=thread, post=post)
    if reply.edit:
        conversations.post_edit(actor=post.author, post=post, body=seeding.text(reply.edit))
        post.edited_at = seeding.soon_after(post.created_at)
        PostRevision.objects.filter(post=post).update(created_at=post.edited_at)
    if reply.report:
        reporter = rng.choice([member for member in others if member.pk != owner.pk])
        conversations.post_report(reporter=reporter, post=post, reason=reply.report)
        PostReport.objects.filter(post=post).update(created_at=seeding.soon_after(post.created_at))
    if reply.hide:
        moderation.post_hide(actor=owner, post=post, reason=reply.hide)
    if reply.notify:
        post.notified_at = None  # post_notify claims it at the end
        seeding.to_notify.append(post.pk)


def _timeline(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` moments in order: the opening post at `start`, the latest reply at `end`."""
    if count == 1:
        return [start]
    middle = sorted(start + (end - start) * rng.random() for _ in range(count - 2))
    return [start, *middle, end]


def _generate_replies(
    seeding: _Seeding,
    *,
    thread: Thread,
    opening: Post,
    members: list[User],
    spec: DemoThread,
    times: list[datetime],
) -> None:
    """A long thread's replies from its pool, inserted in bulk with the invariants post_reply keeps."""
    rng = random.Random(f"{thread.community.slug}/{spec.title}/generated")
    thread = Thread.objects.select_for_update().get(pk=thread.pk)  # as post_reply: the sequence is ours
    chattiness = [rng.choice((1, 1, 2, 3, 5)) for _ in members]
    sequence = thread.post_sequence
    posts, reactions = [opening], []
    # How many unsaved ancestors each post has (by id(): unsaved models are unhashable); one INSERT per level.
    generation = {id(opening): 0}
    for moment in times:
        parent = _pick_parent(posts, rng)
        author = rng.choices(members, weights=chattiness)[0]
        while author.pk == parent.author_id:
            author = rng.choices(members, weights=chattiness)[0]
        sequence += 1
        # Past the deepest level a reply is filed beside its parent (as post_reply does).
        base = parent.path if parent.depth + 1 < PATH_MAX_DEPTH else parent.path[:-PATH_STEP]
        body = _compose(
            spec.pool, rng, author=author, parent=parent, parent_handle=seeding.handles[parent.author_id]
        )
        fans = (
            rng.sample([m for m in members if m.pk != author.pk], rng.randint(1, 4))
            if rng.random() < 0.2
            else []
        )
        post = Post(
            thread=thread,
            author=author,
            parent=parent,
            path=base + f"{sequence:0{PATH_STEP}d}",
            depth=len(base) // PATH_STEP,
            body=body,
            body_html=seeding.render(body),
            created_at=moment,
            notified_at=moment,
            helpful_count=len(fans),
        )
        posts.append(post)
        generation[id(post)] = generation[id(parent)] + 1
        reactions += [PostReaction(post=post, user=fan, created_at=moment) for fan in fans]
    # Parents before their replies, which need their ids; the paths, not the ids, give the reading order.
    for level in range(1, max(generation.values()) + 1):
        Post.objects.bulk_create([post for post in posts[1:] if generation[id(post)] == level])
    PostReaction.objects.bulk_create(reactions)
    ThreadWatch.objects.bulk_create(
        [
            ThreadWatch(thread=thread, user_id=pk, state=ThreadWatch.State.WATCHING)
            for pk in {p.author_id for p in posts}
        ],
        ignore_conflicts=True,  # the opening post's author watches already
    )
    Thread.objects.filter(pk=thread.pk).update(
        post_sequence=sequence, reply_count=F("reply_count") + len(times), last_activity_at=times[-1]
    )
    # A few authors took theirs down afterwards; the service keeps the count of visible replies.
    for post in rng.sample(posts[1:], spec.deleted):
        conversations.post_delete(actor=post.author, post=post)


def _pick_parent(posts: list[Post], rng: random.Random) -> Post:
    """Mostly the opening post; often one of the last few (a conversation within the thread); now and then
    anything earlier. Chains stay readable: nothing deeper than eight levels."""
    roll = rng.random()
    if roll < 0.5 or len(posts) < 4:
        return posts[0]
    parent = rng.choice(posts[-5:]) if roll < 0.9 else rng.choice(posts[1:])
    return parent if parent.depth < 8 else posts[0]


def _compose(pool: Pool, rng: random.Random, *, author: User, parent: Post, parent_handle: str) -> str:
    if parent.depth == 0:  # news for the whole thread
        council = author.council.name if author.council else "us"
        parts = [rng.choice(pool.openers).format(council=council)] if rng.random() < 0.5 else []
        parts += rng.sample(pool.updates, rng.choice((1, 1, 2)))
        if rng.random() < 0.35:
            parts.append(rng.choice(pool.closers))
        text = " ".join(parts)
        if rng.random() < 0.12:
            items = "\n".join(f"- {item}" for item in rng.sample(pool.list_items, 3))
            text += f"\n\n{rng.choice(pool.list_intros)}\n\n{items}"
        if rng.random() < 0.08:
            text += "\n\n" + rng.choice(pool.links)
        return text
    if parent.body.rstrip().endswith("?"):
        text = rng.choice(pool.answers)
    elif rng.random() < 0.5:
        text = rng.choice(pool.questions)
    else:
        text = rng.choice(pool.reactions)
        if rng.random() < 0.4:
            text += " " + rng.choice(pool.updates)
    return f"@{parent_handle} {text}" if rng.random() < 0.4 else text


def _backdate_notices(seeding: _Seeding) -> None:
    """Notices about handwritten posts (replies, mentions, answers, reports) date from just after the post."""
    if not seeding.post_times:
        return
    notices = list(
        Notification.objects.filter(
            target_type=ContentType.objects.get_for_model(Post), target_id__in=seeding.post_times.keys()
        )
    )
    for notice in notices:
        notice.created_at = seeding.soon_after(seeding.post_times[notice.target_id])
    Notification.objects.bulk_update(notices, ["created_at"])
