"""Demo practice stories for `manage.py seed_demo` (called from khub.demo.seed after the conversations): about
thirty first-hand stories across the service areas and the demo councils, with the members who endorsed
them, the facilitators who promoted them and the councils that repeated them.

Everything is made through practice.services as the site makes it (each publication starts its discussion in
the home community and tells the members; endorsing, promoting and repeating tell the authors), then moved
back in time over the last year or so (three events into the day before the seed, as news for the daily
digest, like khub.demo_recent's): the stories, their discussions, endorsements, adoptions, and the
notices and moderation log lines each step wrote. Notices older than a fortnight are marked read, as their
recipients would have. The discussions' posts are old news: they get notified_at, as in demo_conversations.

A few colleagues join the communities their stories live in (khub.demo_communities._add_member: the way in
that fits the visibility); member@ and outsider@ keep the memberships the README describes.
Once only per story: a title that exists already is left alone, with its endorsements and adoptions.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.text import slugify

from communities.models import Community, Membership, ModerationLogEntry, Post, Thread
from communities.services import conversations
from khub.demo_communities import Key, _add_member, _people
from practice.models import Adoption, Endorsement, PracticeStory, ServiceArea
from practice.services import recognition, stories, story_url
from profiles.models import Notification, User

A = PracticeStory.Audience
SA = ServiceArea
ADOPTED, ADAPTED, STOPPED = Adoption.Outcome.ADOPTED, Adoption.Outcome.ADAPTED, Adoption.Outcome.STOPPED


class Nod(NamedTuple):
    """An endorsement, `days_ago` or (None) spread evenly between the publication and now."""

    by: Key
    comment: str = ""
    days_ago: float | None = None


class Repeat(NamedTuple):
    """Another council repeated the story: it started `started` days ago and said so `recorded` days ago."""

    by: Key
    outcome: str
    started: int
    recorded: int
    notes: str
    follow_up: str = ""  # the title of the adopting council's own story about it


class Reply(NamedTuple):
    """A reply in the story's discussion, a day and a half after the one before."""

    by: Key
    body: str


@dataclass(frozen=True)
class DemoStory:
    title: str
    community: str
    author: Key
    service_area: str
    audience: str
    days_ago: float  # published, or for a draft last written
    summary: str
    challenge: str = ""
    what_we_did: str = ""
    outcomes: str = ""
    evidence: str = ""
    cost_and_resources: str = ""
    lessons_learned: str = ""
    do_differently: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (url, title)
    measures: tuple[tuple[str, float, float, str], ...] = ()  # (metric, before, after, unit)
    tags: tuple[str, ...] = ()
    co_authors: tuple[Key, ...] = ()
    draft: bool = False
    archived: float | None = None  # days ago its author archived it
    promoted: tuple[Key, float] | None = None  # (facilitator, days ago)
    endorsements: tuple[Nod, ...] = ()
    adoptions: tuple[Repeat, ...] = ()
    replies: tuple[Reply, ...] = ()


# Colleagues who join a community to publish, endorse or repeat its stories (keys as demo_communities).
EXTRA_MEMBERS: dict[str, tuple[Key, ...]] = {
    "Digital Transformation": (11, 18, 19),
    "Heads of Digital": (7,),
    "Procurement": (5,),
    "Children's Services": (33,),
    "Planning and Development": (1, 17, 21),
    "Waste and Recycling": (8,),
    "Revenues and Benefits": (26,),
}

STORIES = [
    # --- Digital Transformation (open) ---------------------------------------------------------------
    DemoStory(
        "Call-backs instead of queues: how our contact centre stopped losing a quarter of its callers",
        community="Digital Transformation",
        author=2,
        service_area=SA.CUSTOMER_SERVICES,
        audience=A.PUBLIC,
        days_ago=175,
        summary="Callers to our main number now choose a call-back instead of holding. Waits fell from "
        "fourteen minutes to three and abandoned calls from 23% to 6%, with no extra staff.",
        challenge="Our main contact centre number takes about 38,000 calls a month: council tax, blue "
        "badges, bins and adult social care. At peak times callers waited **over fourteen minutes** and "
        "almost a quarter gave up, most of them to ring back later and join the same queue.\n\n"
        "Complaints about getting through were our most common complaint for two years running.",
        what_we_did="We switched on the call-back feature our telephony platform already had, after "
        "testing the wording with callers:\n\n"
        "- after ninety seconds in the queue, callers are offered a call-back and keep their place\n"
        "- advisers see call-backs in the same queue as live calls, in order\n"
        "- a text confirms the call-back and gives a two-hour window\n"
        "- anyone who says they are calling about a safeguarding concern goes straight through\n\n"
        "We also moved the council tax 'change of address' calls to a short online form, which the "
        "call-back message mentions.",
        outcomes="Average wait fell from 14.5 to 3.2 minutes. Abandoned calls fell from 23% to 6%. "
        "Two in five callers now choose a call-back, and 94% of call-backs are answered first time.\n\n"
        "Advisers say the day is calmer: fewer callers start the conversation angry.",
        evidence="Telephony reports for the six months before and after, checked by our performance team. "
        "We also ran a short survey at the end of 400 calls.",
        links=(
            (
                "https://www.gov.uk/service-manual/helping-people-to-use-your-service",
                "Service Manual: helping people to use your service",
            ),
        ),
        cost_and_resources="No new licences: the feature was in our contract. About 15 days of our "
        "telephony engineer's time, and two weeks of an adviser's time to rewrite scripts and messages.",
        lessons_learned="- Test the exact words of the offer: 'keep your place' doubled take-up.\n"
        "- Call back within the promised window or the trust goes quickly.\n"
        "- Tell advisers why: they worried call-backs would be 'extra work' until they saw the queue.",
        do_differently="We would have looked at our own contract sooner. We spent a year planning a "
        "procurement for something we already owned.",
        measures=(
            ("Average wait on the main number", 14.5, 3.2, "minutes"),
            ("Calls abandoned", 23, 6, "%"),
        ),
        tags=("Contact centre", "Channel shift", "Customer experience"),
        promoted=("facilitator", 150),
        endorsements=(
            Nod(
                "member",
                "We tried this for housing options calls after reading it. Same result: calmer "
                "callers, calmer advisers.",
            ),
            Nod(16, "The safeguarding bypass is the detail everyone should copy."),
            Nod(14),
            Nod(7, "Clear, honest and the numbers are there. Thank you."),
        ),
        adoptions=(
            Repeat(
                7,
                ADAPTED,
                120,
                60,
                "We offer the call-back straight away rather than after ninety "
                "seconds, and only on our revenues line for now.",
            ),
            Repeat(
                6,
                ADOPTED,
                100,
                45,
                "Same supplier, same feature. Live in three weeks. Abandoned calls down from 19% to 7%.",
            ),
        ),
    ),
    DemoStory(
        "Pothole reports with a photo and a pin, checked before anyone drives out",
        community="Digital Transformation",
        author=11,
        service_area=SA.TRANSPORT,
        audience=A.PUBLIC,
        days_ago=140,
        summary="Residents now report potholes with a photo and a map pin. An inspector triages them from "
        "the office first, so fewer wasted journeys and faster repairs of the dangerous ones.",
        challenge="Every pothole report sent an inspector out to look, even when the same hole had been "
        "reported five times or was on a private road. Two in five visits found nothing we needed to "
        "fix, and dangerous defects queued behind them.",
        what_we_did="We replaced the free-text form with one that asks for a photo and a pin on a map, and "
        "shows reports already made nearby so people can add to them instead.\n\n"
        "An inspector now looks at every new report in the office each morning and decides:\n\n"
        "1. make safe today (a category 1 defect)\n"
        "2. add to the repair programme\n"
        "3. visit because the photo is not clear\n"
        "4. close, with a reason the resident can read",
        outcomes="Wasted inspection visits fell from 38% to 11%. Category 2 defects are repaired in 9 days "
        "on average, down from 21. Duplicate reports fell by a third because people could see that the "
        "hole was already reported.",
        evidence="Twelve months of defect data from our highways asset system, before and after the "
        "change. The triage log records every decision and who made it.",
        links=(("https://www.gov.uk/report-pothole", "GOV.UK: report a pothole"),),
        cost_and_resources="Our in-house digital team built the form in six weeks on our existing forms "
        "platform. One inspector's morning each day is now office triage.",
        lessons_learned="- The map of existing reports did more to cut duplicates than any message.\n"
        "- Inspectors trusted the photos more than we expected, once they had a 'visit anyway' option.",
        do_differently="We would ask for the photo to be taken facing along the road. Close-ups make it "
        "hard to judge depth.",
        measures=(
            ("Inspection visits finding nothing to fix", 38, 11, "%"),
            ("Days to repair a category 2 defect", 21, 9, "days"),
        ),
        tags=("Highways", "Potholes", "Online forms"),
        endorsements=(
            Nod(4, "Showing existing reports on the map is such a simple idea."),
            Nod(12),
            Nod("facilitator", "A good example of fixing the process, not just the form."),
        ),
        adoptions=(
            Repeat(
                31,
                ADOPTED,
                90,
                30,
                "We copied the triage categories word for word. Our inspectors "
                "asked for a fifth: 'pass to the utility company'.",
            ),
        ),
        replies=(
            Reply(4, "Did you have to change your highway safety inspection policy to allow office triage?"),
            Reply(11, "Yes: a one-page addendum agreed with our insurers. Happy to share it."),
        ),
    ),
    DemoStory(
        "A paperless planning committee in twelve months",
        community="Digital Transformation",
        author=18,
        service_area=SA.DEMOCRACY,
        audience=A.MEMBERS,
        days_ago=120,
        summary="We stopped printing committee papers for planning and licensing. Councillors read them on "
        "tablets with their own notes; printing fell by 90% and papers reach members two days sooner.",
        challenge="Planning committee agendas ran to 400 pages with plans. We printed 42,000 pages a cycle "
        "and couriered packs to councillors' homes, which meant finalising papers a week before the "
        "meeting. Late updates were printed again and handed out on the night.",
        what_we_did="We gave every member of the planning and licensing committees a tablet with the "
        "committee papers app we already licensed, and:\n\n"
        "- ran one-to-one sessions at each councillor's home or ward surgery\n"
        "- kept a printed copy in the members' room for the first six months\n"
        "- agreed with the chair that nobody would be asked to 'turn to page 212': officers say the "
        "item and the plan number\n"
        "- published late updates as a separate short document on the day",
        outcomes="Printing fell from 42,000 to 3,500 pages a cycle, almost all of it plans for the public "
        "gallery. Papers now reach members five clear working days before the meeting instead of three.",
        evidence="Print room invoices and the committee calendar. A short survey of the 22 councillors "
        "involved: 19 prefer the tablets, 3 asked to keep paper and do.",
        links=(
            (
                "https://www.legislation.gov.uk/uksi/2012/2089/contents/made",
                "The Local Authorities (Executive Arrangements) (Meetings and Access to Information) "
                "(England) Regulations 2012",
            ),
        ),
        cost_and_resources="22 tablets at about £450 each, paid back in printing and courier costs within "
        "the first year. About 30 hours of democratic services officers' time on training.",
        lessons_learned="One-to-one training in the councillor's own setting mattered far more than the "
        "device. Let people keep paper if they really need it: it stopped the argument.",
        do_differently="Start with the committee chair and the opposition spokesperson together. We started "
        "with the chair alone and it looked like a party matter for a while.",
        measures=(
            ("Pages printed per committee cycle", 42000, 3500, "pages"),
            ("Printing and courier costs", 18500, 2100, "£ a year"),
        ),
        tags=("Committees", "Paperless", "Councillors"),
        endorsements=(
            Nod(1, "Our planning committee is next. The point about page numbers is gold."),
            Nod(10),
        ),
    ),
    DemoStory(
        "Lending laptops and mobile data from our libraries",
        community="Digital Transformation",
        author=12,
        service_area=SA.CULTURE,
        audience=A.PUBLIC,
        days_ago=190,
        summary="Four libraries lend refurbished laptops with six months of free mobile data, with a digital "
        "helper alongside. 310 loans in the first year, mostly job seekers and older residents.",
        challenge="More and more council services are online, yet about one household in ten in our area "
        "has no laptop or broadband. Library computers are busy, and people told us they did not want to "
        "fill in a benefits claim or a job application in public.",
        what_we_did="With a local refurbishing charity we prepared 120 laptops donated by businesses and "
        "the council's own replaced devices, and joined the national databank for free SIM cards.\n\n"
        "Borrowers get a laptop and a SIM for three months, renewable once, and a first session with a "
        "**digital helper** (staff and volunteers trained through a national programme).",
        outcomes="310 loans in the first year; 91% of devices came back. Borrowers told us they used them "
        "for job searches (44%), Universal Credit (31%) and keeping in touch with family (29%).",
        evidence="Loan records and a follow-up call with 120 borrowers three months after their loan.",
        links=(
            ("https://www.goodthingsfoundation.org/", "Good Things Foundation"),
            ("https://www.localdigital.gov.uk/", "Local Digital"),
        ),
        cost_and_resources="Devices were donated. About £9,000 for refurbishing, bags and insurance, and "
        "one library officer's time for a day a week.",
        lessons_learned="- The digital helper session is what people valued most, more than the laptop.\n"
        "- Wipe and re-image devices on return every time, without exception.",
        do_differently="We would agree with the charity from the start who pays for repairs. It took a "
        "difficult month to settle.",
        measures=(("Laptop loans a year", 0, 310, "loans"), ("Devices returned", 0, 91, "%")),
        tags=("Libraries", "Digital inclusion", "Device lending"),
        endorsements=(
            Nod(16),
            Nod(6, "We are looking at exactly this for our community hubs."),
            Nod("member", "Many of the families we place in temporary accommodation need exactly this."),
        ),
        adoptions=(
            Repeat(
                2,
                STOPPED,
                150,
                70,
                "We ran it for four months from two libraries. Losses were higher "
                "than yours and our insurer raised the premium, so we stopped and now lend tablets "
                "for use inside the library only.",
            ),
        ),
    ),
    DemoStory(
        "One form platform instead of forty supplier forms",
        community="Digital Transformation",
        author="facilitator",
        service_area=SA.DIGITAL,
        audience=A.PUBLIC,
        days_ago=95,
        summary="We moved 40 online forms from five suppliers' systems to one platform our own team runs. "
        "Forms are quicker to change, cheaper to run and pass accessibility checks.",
        challenge="Our 40 busiest online forms lived in five different systems, each bought with a "
        "back-office product. Changing a question meant a supplier ticket and a wait of weeks; none of "
        "them met the accessibility regulations in full; and we paid five sets of licences.",
        what_we_did="We ran a four-week discovery, then chose an open-source form builder that other "
        "councils already used through the Local Digital community.\n\n"
        "- two developers and a content designer rebuilt the forms in order of volume\n"
        "- each form was tested with five residents before it went live\n"
        "- submissions go to the back-office systems through their existing interfaces\n"
        "- we switched each old form off the day its replacement went live",
        outcomes="All 40 forms moved in eleven months. A change that took five weeks now takes a day or "
        "two. Every form passes an accessibility audit. Licence savings are £64,000 a year.",
        evidence="An independent accessibility audit of all 40 forms, and the licence schedule before and "
        "after, signed off by finance.",
        links=(
            ("https://www.localdigital.gov.uk/", "Local Digital"),
            ("https://www.gov.uk/service-manual/service-standard", "The Service Standard"),
        ),
        cost_and_resources="Three people for eleven months, from the digital team's existing budget. "
        "Hosting costs about £6,000 a year.",
        lessons_learned="- Start with the busiest form, not the easiest: it won the argument for the rest.\n"
        "- Involve the back-office teams early. Every interface surprised us somehow.",
        do_differently="We would publish our form patterns openly from day one. Three councils asked for "
        "them and we had to tidy them up first.",
        measures=(
            ("Time to change a question on a form", 35, 2, "days"),
            ("Form licence costs", 71000, 7000, "£ a year"),
        ),
        tags=("Online forms", "Open source", "Accessibility", "Legacy systems"),
        co_authors=(13,),
        promoted=(1, 80),
        endorsements=(
            Nod("member", "The housing team can change its own forms now. That alone changed how we work."),
            Nod(2),
            Nod(19, "Testing every form with five residents before go-live: yes."),
            Nod(10),
        ),
        adoptions=(
            Repeat(
                27,
                ADAPTED,
                60,
                20,
                "Same platform, but we are moving forms as their contracts end rather than all at once.",
            ),
        ),
        replies=(
            Reply(10, "How did you handle payments? That is what keeps us on the supplier forms."),
            Reply(
                "facilitator",
                "Through the payment provider's hosted page: the form hands over and "
                "gets the result back. Two days' work once we had the first one.",
            ),
        ),
    ),
    DemoStory(
        "One anti-social behaviour case tracker for the council, police and housing providers",
        community="Digital Transformation",
        author=16,
        service_area=SA.COMMUNITY_SAFETY,
        audience=A.MEMBERS,
        days_ago=60,
        summary="Council, police and three housing associations now log anti-social behaviour cases in one "
        "shared tracker. Victims tell their story once and case reviews have the full history.",
        challenge="A victim of anti-social behaviour could be talking to the council, the police and their "
        "landlord, each with their own record. When people asked for an ASB case review, we spent days "
        "piecing together what each agency had done.",
        what_we_did="We agreed one information-sharing agreement and set up a shared case tracker, hosted "
        "by the council, with a common risk assessment. Each agency logs its actions in the same case. "
        "A weekly meeting reviews every high-risk case.",
        outcomes="Victims no longer repeat their story to each agency. Preparing a case review now takes "
        "a morning instead of four days. Repeat reports from the same victims are down by a fifth.",
        evidence="Case tracker reports for the first nine months and feedback from 30 victims, gathered "
        "by our victim support partner.",
        links=(
            (
                "https://www.legislation.gov.uk/ukpga/2014/12/contents",
                "Anti-social Behaviour, Crime and Policing Act 2014",
            ),
        ),
        cost_and_resources="The tracker is a configuration of our existing case management system. The "
        "information-sharing agreement took four months of legal and data protection officers' time.",
        lessons_learned="The data-sharing agreement was the real project. Start it first.",
        do_differently="Bring the housing associations' frontline officers into the design, not only "
        "their managers.",
        measures=(("Days to prepare an ASB case review", 4, 0.5, "days"),),
        tags=("Anti-social behaviour", "Partnership working", "Data sharing"),
        endorsements=(
            Nod(12, "The shared risk assessment is what makes this work."),
            Nod(6),
            Nod("member", "Our tenancy sustainment officers use this every week now."),
        ),
    ),
    DemoStory(
        "An accessibility audit of our 30 most-used forms",
        community="Digital Transformation",
        author=19,
        service_area=SA.DIGITAL,
        audience=A.PUBLIC,
        days_ago=6,
        draft=True,
        summary="What we found when we tested our 30 busiest forms against WCAG 2.2 with disabled residents.",
        challenge="Our accessibility statement said 'partially compliant'. Nobody could say which parts.",
        links=(
            (
                "https://www.gov.uk/guidance/accessibility-requirements-for-public-sector-websites-and-apps",
                "Accessibility requirements for public sector websites and apps",
            ),
        ),
        tags=("Accessibility", "Online forms"),
    ),
    # --- Heads of Digital (private) ------------------------------------------------------------------
    DemoStory(
        "A ransomware exercise with the cabinet, not just the IT team",
        community="Heads of Digital",
        author="facilitator",
        service_area=SA.DIGITAL,
        audience=A.COMMUNITY,
        days_ago=130,
        summary="We ran a half-day ransomware exercise with the leader, cabinet and corporate directors. "
        "It found gaps no technical test would have: who decides on paying, who talks to residents.",
        challenge="Our cyber incident plan had been tested by the IT team every year, but never with the "
        "people who would actually make the hard decisions: the chief executive, the leader and the "
        "directors whose services would stop.",
        what_we_did="We used a national exercise pack as the skeleton and wrote the injects around our "
        "own systems. Over half a day the room dealt with:\n\n"
        "1. the council tax system and the social care case system encrypted on a Friday afternoon\n"
        "2. a ransom demand and a threat to publish social care records\n"
        "3. a journalist who already had a screenshot\n"
        "4. the question of how to pay care providers on Monday\n\n"
        "An external facilitator ran it; our head of audit observed.",
        outcomes="Fourteen actions, nine of them outside IT. The biggest: paper fallback for paying care "
        "providers, a pre-agreed statement for residents and a clear line that the council will not pay "
        "a ransom, agreed by cabinet in advance.",
        evidence="The exercise report and action plan went to the audit committee in private session. "
        "Eleven of the fourteen actions are now closed.",
        links=(("https://www.ncsc.gov.uk/information/exercise-in-a-box", "NCSC: Exercise in a Box"),),
        cost_and_resources="£4,500 for the external facilitator. Half a day of the most expensive diaries in "
        "the council, which was the hard part to get.",
        lessons_learned="- Make the injects specific to your services: 'the social care system is down' "
        "gets a very different reaction from 'a server is down'.\n"
        "- Have someone from communications in the room from the start.",
        do_differently="We would invite the finance director's deputy too. The payments questions needed "
        "more detail than the room had.",
        tags=("Cyber security", "Ransomware", "Incident response"),
        endorsements=(
            Nod(25, "We are borrowing your injects, with credit."),
            Nod(7),
            Nod(13, "Having been in the room: it changed how cabinet talk about cyber risk."),
        ),
        adoptions=(
            Repeat(
                1,
                ADOPTED,
                100,
                85,
                "Ran it with our cabinet in the spring using your injects. Same finding on paying providers.",
            ),
        ),
    ),
    DemoStory(
        "A Microsoft 365 licence review that saved £310,000 a year",
        community="Heads of Digital",
        author=7,
        service_area=SA.DIGITAL,
        audience=A.COMMUNITY,
        days_ago=80,
        summary="We matched every Microsoft 365 licence to what its holder actually used. 2,100 staff moved "
        "to cheaper or frontline licences and 640 unused accounts were closed.",
        challenge="Everyone had the top licence because that was simplest when we moved to the cloud. "
        "Renewal was coming, with a price rise, and the budget was already cut.",
        what_we_did="We pulled six months of usage reports and grouped staff into four personas: office "
        "based, hybrid, frontline with a shared device, and frontline with no device. Service managers "
        "confirmed each group. We then:\n\n"
        "- moved frontline staff to frontline licences\n"
        "- kept the top licence only where a security or compliance feature was really needed\n"
        "- closed accounts not used for 90 days, after a fortnight's warning",
        outcomes="£310,000 a year saved from the renewal. 640 dormant accounts closed, which also shrank "
        "our attack surface. Fourteen people asked for a feature back; twelve of them got it within a day.",
        evidence="Licence schedules before and after, checked by internal audit. The usage reports are "
        "available to members of this community on request.",
        links=(
            (
                "https://www.gov.uk/guidance/the-technology-code-of-practice",
                "The Technology Code of Practice",
            ),
        ),
        cost_and_resources="One analyst for six weeks and a day from each service manager.",
        lessons_learned="The personas made the conversation with service managers easy: nobody argued with "
        "a description of their own team.",
        do_differently="Start six months before renewal, not three. We nearly ran out of time to negotiate.",
        measures=(("Microsoft 365 licence costs", 1450000, 1140000, "£ a year"),),
        tags=("Microsoft 365", "Licensing", "Savings"),
        promoted=("facilitator", 70),
        endorsements=(
            Nod(1, "Doing this next quarter. The persona approach is the bit I needed."),
            Nod(13),
            Nod("facilitator", "Proper numbers, properly checked. Exactly what this group is for."),
            Nod(25),
        ),
        adoptions=(
            Repeat(
                25,
                ADAPTED,
                50,
                20,
                "Smaller estate, so we skipped the personas and reviewed team by team. Saved about a fifth.",
            ),
        ),
    ),
    # --- Adult Social Care (open) --------------------------------------------------------------------
    DemoStory(
        "Trusted assessors cut the wait to leave hospital from six days to two",
        community="Adult Social Care",
        author=20,
        service_area=SA.ADULT_SOCIAL_CARE,
        audience=A.PUBLIC,
        days_ago=290,
        summary="Care homes and home care providers now accept an assessment made by one trusted assessor on "
        "the ward, instead of each sending their own. People medically fit to leave wait two days, not six.",
        challenge="People who were medically fit to leave hospital waited an average of six and a half "
        "days, mostly for providers to come and do their own assessment before they would accept them. "
        "Every day in hospital costs an older person muscle strength and confidence.",
        what_we_did="With the two acute trusts and the provider forum we agreed one assessment that every "
        "provider in our framework accepts. Four trusted assessors, employed by the council and based "
        "on the wards, carry it out and place people directly.\n\n"
        "Providers can query an assessment within 24 hours; in the first year they did so 31 times.",
        outcomes="The median wait from medically fit to discharge fell from 6.5 to 2 days. People waiting "
        "more than a week fell from 41 to 12 at any one time. Readmissions within 30 days did not rise.",
        evidence="Discharge data from both trusts' daily reports for a year before and after. The provider "
        "forum reviewed the queries and found no pattern of unsafe placements.",
        links=(
            (
                "https://www.gov.uk/government/publications/hospital-discharge-service-guidance",
                "Hospital discharge and community support guidance",
            ),
        ),
        cost_and_resources="Four trusted assessor posts (£190,000 a year), funded from the Better Care Fund.",
        lessons_learned="- Providers agreed because they wrote the assessment with us.\n"
        "- The 24-hour query route mattered more as a safety valve than in use.",
        do_differently="We would have brought the community health teams in from the start. Discharges "
        "home with therapy still wait longer than they should.",
        measures=(
            ("Median days from medically fit to discharge", 6.5, 2, "days"),
            ("People waiting more than 7 days", 41, 12, "people"),
        ),
        tags=("Hospital discharge", "Trusted assessor", "Care homes"),
        promoted=(0, 270),
        endorsements=(
            Nod(0, "The best discharge work I have seen in ten years."),
            Nod(5),
            Nod(21, "Copying the provider query route."),
            Nod("member"),
            Nod(31),
        ),
        adoptions=(
            Repeat(
                0,
                ADAPTED,
                240,
                200,
                "Two assessors, one trust, and we kept provider assessments for nursing homes.",
            ),
            Repeat(21, ADOPTED, 180, 120, "Same model. Our median wait is now 2.5 days."),
        ),
        replies=(
            Reply(21, "How did you get the trusts to agree that council staff could work on the wards?"),
            Reply(
                20,
                "An honorary contract with each trust, and the discharge leads on the interview "
                "panels. That settled it.",
            ),
            Reply(5, "This is going straight to our Better Care Fund board."),
        ),
    ),
    DemoStory(
        "Outcome-based home care contracts, two years on",
        community="Adult Social Care",
        author=0,
        service_area=SA.ADULT_SOCIAL_CARE,
        audience=A.MEMBERS,
        days_ago=230,
        summary="We stopped commissioning home care by the minute and started paying providers for "
        "outcomes agreed with each person. Two years on: what worked, what did not, and the numbers.",
        challenge="Fifteen-minute visits, carers paid only for contact time and providers handing back "
        "packages they could not staff. People told us care happened *to* them.",
        what_we_did="We divided the city into eight zones with one lead provider each, paid a weekly rate "
        "per person and agreed three or four outcomes with each person at review. Providers can change "
        "visit times and lengths with the person without asking us.",
        outcomes="Packages handed back fell from 60 a quarter to 9. Carer turnover at the lead providers "
        "fell from 38% to 24%. People's own ratings of their care improved in our annual survey.\n\n"
        "Not everything worked: outcome measures for people with dementia are still too vague.",
        evidence="Contract monitoring returns, the providers' workforce data and our adult social care "
        "survey results for two years.",
        links=(
            (
                "https://www.gov.uk/government/publications/care-act-statutory-guidance",
                "Care and support statutory guidance",
            ),
        ),
        cost_and_resources="Overall spend rose by 3%, less than inflation in the sector. Two commissioners "
        "for a year to design it with the providers.",
        lessons_learned="Zones with one lead provider gave providers the certainty to pay carers for "
        "travel time. That did more for retention than anything else.",
        do_differently="Agree how to measure outcomes for people with dementia before you start.",
        measures=(
            ("Care packages handed back", 60, 9, "a quarter"),
            ("Carer turnover at lead providers", 38, 24, "%"),
        ),
        tags=("Home care", "Commissioning", "Outcomes"),
        endorsements=(
            Nod(9),
            Nod(29, "Honest about the dementia outcomes. Thank you."),
            Nod(20),
            Nod(27),
        ),
        adoptions=(
            Repeat(
                20,
                STOPPED,
                200,
                90,
                "We piloted it in two zones. Our providers could not carry the "
                "financial risk at the rate we could afford, so we went back to hourly rates with "
                "flexible visit times.",
            ),
        ),
    ),
    # --- Housing and Homelessness (restricted) -------------------------------------------------------
    DemoStory(
        "No families in B&B for a year: leasing homes instead of paying by the night",
        community="Housing and Homelessness",
        author="member",
        service_area=SA.HOUSING,
        audience=A.MEMBERS,
        days_ago=210,
        summary="We leased 140 private homes for temporary accommodation instead of paying nightly rates. "
        "No family has stayed in B&B beyond six weeks for a year, and each placement costs half as much.",
        challenge="At our worst point 37 families had been in bed and breakfast for longer than the "
        "six-week legal limit, sharing kitchens and bathrooms, some a bus ride from their children's "
        "schools. Nightly-paid rooms cost us an average of **£92 a night**.",
        what_we_did="We set up a leasing scheme with private landlords, with procurement's help:\n\n"
        "- five-year leases, with the council as tenant and repairs guaranteed\n"
        "- a guaranteed rent at 90% of market, paid whether the home is occupied or not\n"
        "- an inspection and a damp and mould check before each lease starts\n"
        "- a dedicated team of three to find, inspect and manage the homes\n\n"
        "Families moved from B&B first, largest families and longest stays first.",
        outcomes="140 homes leased in the first year. No family has been in B&B for more than six weeks "
        "for twelve months. The average cost of a placement fell from £92 to £41 a night.",
        evidence="Our statutory homelessness returns (H-CLIC) for the period, and the budget monitoring "
        "reports to cabinet.",
        links=(
            (
                "https://www.gov.uk/guidance/homelessness-code-of-guidance-for-local-authorities",
                "Homelessness code of guidance for local authorities",
            ),
            (
                "https://www.gov.uk/government/collections/homelessness-statistics",
                "Homelessness statistics",
            ),
        ),
        cost_and_resources="The three-person team costs £150,000 a year. Savings on nightly-paid rooms were "
        "about £2.6 million in the first year.",
        lessons_learned="- Landlords cared more about guaranteed rent and repairs than the headline rate.\n"
        "- Involve procurement from day one: the leases are contracts.\n"
        "- Keep a few homes empty for emergencies. It costs less than one night of B&B for a family.",
        do_differently="We would have started the damp and mould checks before signing, not after. Two "
        "early homes needed months of work.",
        measures=(
            ("Families in B&B for more than six weeks", 37, 0, "families"),
            ("Average cost of a temporary accommodation placement", 92, 41, "£ a night"),
        ),
        tags=("Temporary accommodation", "Homelessness prevention", "Private sector leasing"),
        co_authors=(29,),
        promoted=(2, 190),
        endorsements=(
            Nod(6, "The clearest write-up of a leasing scheme I have read."),
            Nod(12),
            Nod(26, "We used this to persuade our cabinet. It worked."),
            Nod(22, "The point about keeping homes empty for emergencies is counter-intuitive and right."),
            Nod(18, "Came back to this for our budget paper. Still the best example there is.", 3),
        ),
        adoptions=(
            Repeat(
                26,
                ADOPTED,
                150,
                30,
                "Our own write-up of the first six months is linked.",
                follow_up="Repeating Camden's leasing scheme in Leeds: six months on",
            ),
            Repeat(
                22,
                ADAPTED,
                120,
                60,
                "A district council version: thirty homes, three-year leases, "
                "and we share the team with our neighbouring district.",
            ),
            Repeat(
                18,
                STOPPED,
                170,
                2,
                "We leased 25 homes, but local rents rose faster than the "
                "guaranteed rent we could offer and landlords did not renew. We are trying again with "
                "a housing company instead.",
            ),
        ),
        replies=(
            Reply(
                26, "What length of lease did landlords prefer? Ours are asking for three years, not five."
            ),
            Reply(
                "member",
                "Most wanted five for the certainty. The ones who wanted three were usually "
                "planning to sell. Worth asking them why.",
            ),
        ),
    ),
    DemoStory(
        "Paying deposits and arrears instead of hotel nights: our prevention fund",
        community="Housing and Homelessness",
        author=6,
        service_area=SA.HOUSING,
        audience=A.COMMUNITY,
        days_ago=120,
        summary="Housing options officers can now spend up to £2,500 on the spot to keep a household in its "
        "home or move it to a new one. Fewer families reach temporary accommodation at all.",
        challenge="Officers could see a family would become homeless for the sake of £800 of rent arrears "
        "or a deposit, but getting the money agreed took two weeks and three signatures. By then the "
        "family was often in temporary accommodation.",
        what_we_did="We made a prevention fund from part of our Homelessness Prevention Grant. Any officer "
        "can commit up to £2,500 with a short reason, paid within two working days; team leaders can go "
        "to £5,000. We check a sample every month.",
        outcomes="Prevention duties ending with the household staying in or finding a home rose from 48% "
        "to 63%. Families entering temporary accommodation fell by a quarter over the year.",
        evidence="H-CLIC returns and the fund's spending log, reviewed each quarter by internal audit.",
        links=(
            (
                "https://www.legislation.gov.uk/ukpga/2017/13/contents",
                "Homelessness Reduction Act 2017",
            ),
        ),
        cost_and_resources="£420,000 spent in the year, about 310 households helped. The same families in "
        "temporary accommodation would have cost more than twice that.",
        lessons_learned="Trusting officers was the change. The monthly sample found two mistakes in a year.",
        do_differently="We would publish the fund's criteria to landlords. Some now ask for it by name.",
        measures=(("Prevention duties ending successfully", 48, 63, "%"),),
        tags=("Homelessness prevention", "Prevention fund"),
        endorsements=(
            Nod("member", "We did something similar after reading this. Officers love it."),
            Nod(32),
            Nod(26),
        ),
    ),
    DemoStory(
        "Damp and mould reports in temporary accommodation triaged within 48 hours",
        community="Housing and Homelessness",
        author=22,
        service_area=SA.HOUSING,
        audience=A.PUBLIC,
        days_ago=75,
        summary="Every report of damp or mould in our temporary accommodation is now triaged within 48 hours "
        "and hazards made safe within a fortnight, with a photo of the work sent to the household.",
        challenge="Families in temporary accommodation reported damp and mould to the landlord, the council "
        "or both, and often neither acted. We had no view of how many homes were affected.",
        what_we_did="One phone number and web form for all repair reports from temporary accommodation, "
        "with damp and mould flagged for a surveyor's call within 48 hours. The landlord has 14 days to "
        "make safe, or we do the work and recharge. The household gets a photo of the finished work.",
        outcomes="Average time from report to a surveyor's assessment fell from 19 days to 2. Homes with a "
        "serious hazard fell from 23 to 6 over the year.",
        evidence="Repair logs and surveyors' reports for a year, and follow-up calls to 50 households.",
        links=(
            (
                "https://www.gov.uk/government/publications/"
                "damp-and-mould-understanding-and-addressing-the-health-risks-for-rented-housing-providers",
                "Damp and mould: understanding and addressing the health risks for rented housing providers",
            ),
        ),
        cost_and_resources="One surveyor post and about £60,000 of works carried out in default and "
        "recharged.",
        lessons_learned="The photo of the finished work did more for trust than anything we said.",
        do_differently="We would include ventilation advice in the first call, not after the work.",
        measures=(("Days from report to assessment", 19, 2, "days"),),
        tags=("Damp and mould", "Temporary accommodation", "Repairs"),
        endorsements=(Nod(2), Nod(6, "Recharging landlords was the missing piece for us."), Nod("member")),
    ),
    DemoStory(
        "Repeating Camden's leasing scheme in Leeds: six months on",
        community="Housing and Homelessness",
        author=26,
        service_area=SA.HOUSING,
        audience=A.MEMBERS,
        days_ago=32,
        summary="We copied Camden's private sector leasing model for temporary accommodation. Six months in: "
        "60 homes leased, B&B use for families halved, and what we had to change for Leeds.",
        challenge="Families in bed and breakfast beyond six weeks had risen every quarter for two years, "
        "and nightly-paid accommodation was the fastest growing line in our budget.",
        what_we_did="We followed Camden's model closely: five-year leases, guaranteed rent, inspections "
        "before each lease. We changed three things:\n\n"
        "- rent set at 95% of local housing allowance, not of market rent\n"
        "- a landlord liaison officer shared with our private rented sector team\n"
        "- larger homes first, because large families waited longest",
        outcomes="60 homes leased in six months. Families in B&B beyond six weeks fell from 24 to 11. The "
        "average cost per night has fallen from £88 to £52 so far.",
        evidence="Our monthly temporary accommodation dashboard and the budget monitoring report.",
        links=(
            (
                "https://www.gov.uk/government/collections/homelessness-statistics",
                "Homelessness statistics",
            ),
        ),
        cost_and_resources="A team of two, and a spend-to-save case agreed by cabinet.",
        lessons_learned="Reading another council's honest write-up saved us months: we knew which "
        "mistakes to avoid.",
        do_differently="We would have talked to Camden's team before writing our business case, not after.",
        measures=(("Families in B&B for more than six weeks", 24, 11, "families"),),
        tags=("Temporary accommodation", "Private sector leasing"),
        endorsements=(Nod("member", "Brilliant to see it working in Leeds. Let's compare notes.", 12),),
    ),
    # Published the morning before the seed: news for tomorrow's daily digest (see khub.demo_recent).
    DemoStory(
        "Discretionary housing payments aimed at tenancies about to fail",
        community="Housing and Homelessness",
        author=26,
        service_area=SA.HOUSING,
        audience=A.MEMBERS,
        days_ago=0.45,
        summary="We stopped paying discretionary housing payments first come, first served and aimed them "
        "at households our housing options team said were weeks from eviction. 212 tenancies kept in six "
        "months, and fewer families in temporary accommodation.",
        challenge="Our discretionary housing payment fund was spent by October every year, mostly on "
        "renewals for households who were not at risk of losing their home. Meanwhile families arrived at "
        "housing options with a section 21 notice and rent arrears that a few hundred pounds would have "
        "cleared.\n\nWith the **cost of living** squeezing private renters, nightly-paid temporary "
        "accommodation had become our fastest growing cost.",
        what_we_did="We rewrote the policy with the housing options team, so that the fund follows risk "
        "rather than the order in which applications arrive:\n\n"
        "- a fast track for households referred by a housing options officer, decided in two working days\n"
        "- one-off payments to clear arrears where the landlord agrees in writing to keep the tenancy\n"
        "- top-ups for up to six months while the household moves somewhere cheaper or takes on more hours\n"
        "- a monthly review of every payment over £1,000, with housing and benefits officers together\n\n"
        "We also used our council tax support records to write to 1,400 private renters in arrears, "
        "inviting them to apply before a notice arrived.",
        outcomes="In the first six months 212 tenancies at risk were kept going, with an average payment of "
        "£940. Families placed in temporary accommodation after losing a private tenancy fell from 38 a "
        "month to 24. The fund lasted until March for the first time in five years.",
        evidence="Housing options case records matched to payments, and our temporary accommodation "
        "placements report. Our finance team checked the cost comparison.",
        links=(
            (
                "https://www.gov.uk/government/publications/discretionary-housing-payments-guidance-manual",
                "Discretionary housing payments guidance manual",
            ),
        ),
        cost_and_resources="No new money: the same government contribution, spent differently. Half a "
        "benefits officer runs the fast track, and a housing options manager gives a day a month to the "
        "reviews.",
        lessons_learned="- Let housing officers refer: they know who is weeks from eviction.\n"
        "- Get the landlord's agreement in writing before paying.\n"
        "- Tell households what the payment is for and when it ends.",
        do_differently="We would have written to private renters in arrears from the start: the letters "
        "reached the households we most wanted to help.",
        measures=(
            (
                "Families in temporary accommodation after losing a private tenancy",
                38,
                24,
                "families a month",
            ),
        ),
        tags=(
            "Temporary accommodation",
            "Cost of living",
            "Homelessness prevention",
            "Discretionary housing payments",
        ),
        endorsements=(
            Nod("member", "The fast track is what we need in Camden. Sharing it with our benefits team."),
            Nod(22),
        ),
    ),
    DemoStory(
        "Closing dormant housing register applications",
        community="Housing and Homelessness",
        author="member",
        service_area=SA.HOUSING,
        audience=A.MEMBERS,
        days_ago=4,
        draft=True,
        summary="A fifth of our housing register had not been touched in two years. How we checked and "
        "closed them without losing anyone who still needed a home.",
        challenge="Our housing register says 28,000 households are waiting. Nobody believes that number, "
        "including us.",
        what_we_did="- wrote to every household with no contact for two years\n- (to finish: the reminder "
        "texts and the results)",
        links=(
            (
                "https://www.gov.uk/guidance/allocation-of-accommodation-guidance-for-local-housing-authorities",
                "Allocation of accommodation: guidance for local housing authorities",
            ),
        ),
        tags=("Housing allocations", "Housing register"),
    ),
    # --- Climate Emergency (open) --------------------------------------------------------------------
    DemoStory(
        "A retrofit one-stop shop for owner-occupiers",
        community="Climate Emergency",
        author=24,
        service_area=SA.ENVIRONMENT,
        audience=A.PUBLIC,
        days_ago=370,
        summary="One phone number and one visit for homeowners who want to insulate, with vetted installers "
        "and help with grants. Retrofits in the city went from 140 a year to 610.",
        challenge="Homeowners who wanted to insulate did not know whom to trust, which grants they could get "
        "or where to start. Grant schemes came and went, and installers were booked months ahead.",
        what_we_did="We set up a one-stop shop with a social enterprise:\n\n"
        "- a free home visit and a plain-English retrofit plan\n"
        "- a list of vetted local installers with published prices\n"
        "- help applying for whichever national grant fits\n"
        "- a follow-up visit six months after the work",
        outcomes="Retrofits went from 140 to 610 a year. Four in ten were households on low incomes who "
        "qualified for grants they had not known about.",
        evidence="The social enterprise's monthly reports and grant scheme data, checked by our climate "
        "team.",
        links=(
            ("https://www.gov.uk/improve-energy-efficiency", "Improve the energy efficiency of your home"),
            ("https://www.gov.uk/apply-great-british-insulation-scheme", "Great British Insulation Scheme"),
        ),
        cost_and_resources="£240,000 a year from our climate budget and the UK Shared Prosperity Fund.",
        lessons_learned="People trusted the council's name on the letter more than any advert.",
        do_differently="We would have trained more local installers from the start. Demand outran them.",
        measures=(("Homes retrofitted a year", 140, 610, "homes"),),
        tags=("Retrofit", "Net zero", "Energy efficiency"),
        endorsements=(
            Nod(4),
            Nod(15, "The follow-up visit is where you learn what actually worked."),
            Nod("facilitator"),
            Nod(35),
        ),
        adoptions=(
            Repeat(
                4,
                ADAPTED,
                300,
                250,
                "We run it in-house, with our private sector housing team doing the visits.",
            ),
        ),
    ),
    DemoStory(
        "On-street electric vehicle charging from lamp columns",
        community="Climate Emergency",
        author=4,
        service_area=SA.TRANSPORT,
        audience=A.PUBLIC,
        days_ago=300,
        summary="Seven in ten of our households have no driveway. We fitted 400 chargers to lamp columns, "
        "where residents asked for them, at a fraction of the cost of charging hubs.",
        challenge="Most residents park on the street, so they cannot charge at home. Charging hubs needed "
        "land we did not have, and residents did not want new street furniture.",
        what_we_did="We invited residents to request a charger on our website, then fitted chargers to "
        "existing lamp columns where three or more households had asked. A supplier installs and runs "
        "them under a concession, paying us a share of the income.",
        outcomes="400 chargers installed in 18 months. Average use is five hours a day and rising. No "
        "lamp column has needed replacing because of a charger.",
        evidence="The supplier's usage data, shared monthly under the concession contract.",
        links=(
            (
                "https://www.gov.uk/government/organisations/office-for-zero-emission-vehicles",
                "Office for Zero Emission Vehicles",
            ),
        ),
        cost_and_resources="Capital from a national grant; no cost to the council beyond officer time. The "
        "concession returns about £30,000 a year.",
        lessons_learned="Putting chargers where residents asked built support before the first one went in.",
        do_differently="Check the lamp columns' electrical condition before promising a location.",
        measures=(("On-street chargers", 12, 400, "chargers"),),
        tags=("Electric vehicles", "Net zero", "Street lighting"),
        endorsements=(Nod(24), Nod(35, "The request-a-charger map is a great idea."), Nod("member")),
        adoptions=(
            Repeat(
                "facilitator",
                ADOPTED,
                220,
                160,
                "Our highways team copied the concession model. 80 chargers so far.",
            ),
        ),
    ),
    DemoStory(
        "Warm spaces that people actually came back to",
        community="Climate Emergency",
        author=12,
        service_area=SA.OTHER,
        audience=A.MEMBERS,
        days_ago=385,
        summary="Our network of 60 warm spaces across ten boroughs became places people returned to, "
        "because we asked for hot food, a friendly host and advice on the spot, not just heating.",
        challenge="A heated room is not enough. Early warm spaces were empty because people felt "
        "embarrassed to be seen there and had nothing to do.",
        what_we_did="We funded community groups, libraries and faith groups to run warm spaces with four "
        "promises: a warm drink and hot food, a named host, something to do, and an adviser on energy "
        "bills and benefits at least once a week.",
        outcomes="60 warm spaces, 41,000 visits over the winter. Advisers helped 1,900 people claim "
        "benefits or grants they were missing, worth an estimated £1.1 million a year.",
        evidence="Visit counts from each space and the advice services' case records.",
        links=(("https://www.gov.uk/cost-of-living", "Cost of living support"),),
        cost_and_resources="£380,000 in small grants to community groups, from household support funding.",
        lessons_learned="Call it a community space, not a warm space. People came for company.",
        do_differently="Fund the groups for the whole year, not just the winter.",
        measures=(("Benefit and grant claims made with an adviser", 0, 1900, "people"),),
        tags=("Cost of living", "Warm spaces", "Community groups"),
        endorsements=(
            Nod(15),
            Nod("member", "'A community space, not a warm space' is the whole lesson."),
            Nod(24),
        ),
    ),
    # --- Procurement (restricted) --------------------------------------------------------------------
    DemoStory(
        "Our first tender under the Procurement Act 2023",
        community="Procurement",
        author=17,
        service_area=SA.FINANCE,
        audience=A.MEMBERS,
        days_ago=50,
        summary="What running our first competitive flexible procedure under the new regime was really "
        "like: the notices, the platform, the timescales and the questions bidders asked.",
        challenge="We had trained everyone on the Procurement Act 2023, but nobody had run a tender under "
        "it. Our first was a £1.8 million contract for agency staff, with a tight deadline.",
        what_we_did="We chose the competitive flexible procedure with two stages: a short conditions-of-"
        "participation questionnaire, then negotiation with three bidders. We kept a log of every notice "
        "and every decision, and published a plain-English guide for bidders.",
        outcomes="Contract awarded two weeks later than planned, but with no challenge. Bidders said the "
        "guide helped. We now have templates for every notice and a checklist others can use.",
        evidence="Our procurement log, the published notices and feedback from six bidders.",
        links=(
            ("https://www.legislation.gov.uk/ukpga/2023/54/contents", "Procurement Act 2023"),
            (
                "https://www.gov.uk/government/collections/procurement-act-2023-guidance-documents",
                "Procurement Act 2023 guidance documents",
            ),
        ),
        cost_and_resources="Two procurement officers for three months, and advice from our legal team.",
        lessons_learned="- Allow extra time for the standstill period and the new notices.\n"
        "- Register on the central digital platform long before you need it.",
        do_differently="Keep the first tender under the Act simple. Ours had too many lots.",
        tags=("Procurement Act 2023", "Tendering"),
        promoted=(7, 40),
        endorsements=(Nod(27, "The notice checklist saved us a week."), Nod(37), Nod(39)),
        adoptions=(Repeat(27, ADOPTED, 30, 8, "Used your checklist and bidder guide for our first tender."),),
    ),
    DemoStory(
        "Meet-the-buyer sessions doubled local small business bids",
        community="Procurement",
        author=5,
        service_area=SA.ECONOMIC_DEVELOPMENT,
        audience=A.PUBLIC,
        days_ago=100,
        summary="Quarterly sessions where our buyers meet local small businesses before a tender. Bids from "
        "local SMEs doubled, and the share of our spending with them rose from 22% to 31%.",
        challenge="Local small businesses told us our tenders were impossible to find and harder to "
        "understand. Most of our spending went to large national suppliers.",
        what_we_did="Every quarter our buyers present the contracts coming up in the next year to local "
        "businesses, with the Chamber of Commerce. We publish a forward plan and run a workshop on "
        "writing a bid.",
        outcomes="Bids from local SMEs doubled in a year. Our spending with local SMEs rose from 22% to 31%.",
        evidence="Our spend analysis, checked against Companies House data for business size and location.",
        links=(
            ("https://www.contractsfinder.service.gov.uk/", "Contracts Finder"),
            (
                "https://www.gov.uk/government/publications/procurement-policy-note-0620-taking-account-of-"
                "social-value-in-the-award-of-central-government-contracts",
                "Procurement Policy Note 06/20: taking account of social value",
            ),
        ),
        cost_and_resources="A day a quarter for three buyers, and a room from the Chamber of Commerce.",
        lessons_learned="The forward plan mattered most. Businesses need time to form partnerships.",
        do_differently="Bring in the buyers from our big contractors too. Subcontracts are a way in.",
        measures=(("Share of spending with local SMEs", 22, 31, "%"),),
        tags=("Social value", "Local economy", "SMEs"),
        endorsements=(Nod(7), Nod(39, "The forward plan is so simple and so rarely done.")),
        adoptions=(
            Repeat(37, ADAPTED, 70, 25, "We run ours online, which works better for rural businesses."),
        ),
    ),
    # --- Children's Services (restricted) -----------------------------------------------------------
    DemoStory(
        "Travel training gave young people with SEND independence and cut transport costs",
        community="Children's Services",
        author=29,
        service_area=SA.EDUCATION,
        audience=A.COMMUNITY,
        days_ago=150,
        summary="64 young people with special educational needs now travel to school or college on their own "
        "after travel training. Their confidence grew, and transport costs fell by £380,000 a year.",
        challenge="SEND home-to-school transport was our fastest growing budget, up 40% in three years. "
        "Many young people who were taxied to college could travel on their own with some help.",
        what_we_did="We commissioned an independent travel training service. Trainers work with each young "
        "person and their family on their own route, over six to twelve weeks, until they can travel "
        "alone safely. We kept a guaranteed route back to transport if it did not work out.",
        outcomes="64 young people travelling independently in the first year; only three returned to "
        "transport. Families and colleges told us about new confidence and independence.",
        evidence="Transport records, the trainers' case notes and a survey of families.",
        links=(
            (
                "https://www.gov.uk/government/publications/travel-to-school-for-children-of-compulsory-"
                "school-age",
                "Travel to school for children of compulsory school age",
            ),
        ),
        cost_and_resources="£160,000 a year for the training service, saving about £380,000 a year in "
        "transport.",
        lessons_learned="Families needed to trust the trainers first. The guaranteed route back was key.",
        do_differently="Start with younger pupils in Year 9, not at the move to college.",
        measures=(
            ("Young people travelling independently", 0, 64, "young people"),
            ("SEND transport spending", 4200000, 3820000, "£ a year"),
        ),
        tags=("SEND", "Home to school transport", "Independence"),
        promoted=(9, 130),
        endorsements=(
            Nod(3),
            Nod(39, "The guaranteed route back is the detail that reassures families."),
            Nod(19),
        ),
        adoptions=(
            Repeat(
                19, ADAPTED, 110, 50, "Rural version: trainers also teach using the demand-responsive bus."
            ),
            Repeat(39, ADOPTED, 90, 40, "Commissioned the same model. 20 young people so far."),
        ),
    ),
    DemoStory(
        "One front door for our family hubs",
        community="Children's Services",
        author=33,
        service_area=SA.CHILDRENS_SERVICES,
        audience=A.PUBLIC,
        days_ago=90,
        summary="Families used to have to know which of twelve services to ring. Now one phone number, web "
        "page and a welcome desk at every family hub connect them to the right help.",
        challenge="Health visiting, early help, parenting support, infant feeding and more each had their "
        "own referral route. Families, and professionals, did not know where to start.",
        what_we_did="One front door for family hubs: a single phone line, a web form and a welcome desk "
        "staffed by family navigators who can book any of the services directly.",
        outcomes="Families are connected to a service in two days on average, down from nine. Referrals "
        "bounced between services fell by 70%.",
        evidence="Case management data and feedback from 200 families.",
        links=(
            (
                "https://www.gov.uk/government/collections/family-hubs-and-start-for-life-programme",
                "Family hubs and Start for Life programme",
            ),
        ),
        cost_and_resources="Six family navigators, funded from the family hubs programme.",
        lessons_learned="Co-design with parents changed our plans. They wanted a person, not a portal.",
        do_differently="We would have included the health visiting team's system from the start.",
        measures=(("Days to connect a family to a service", 9, 2, "days"),),
        tags=("Family hubs", "Early help", "Start for Life"),
        promoted=(19, 0.35),  # the night before the seed: news for tomorrow's daily digest
        endorsements=(Nod(3), Nod(9, "A person, not a portal. Yes."), Nod(23)),
    ),
    DemoStory(
        "EHC needs assessments on time: from 31% to 68%",
        community="Children's Services",
        author=39,
        service_area=SA.EDUCATION,
        audience=A.MEMBERS,
        days_ago=60,
        summary="We redesigned how we gather advice for education, health and care needs assessments. "
        "Plans finished within the 20-week limit rose from 31% to 68% in a year.",
        challenge="Only 31% of EHC plans were finished within 20 weeks. Families waited months, often "
        "without support in school.",
        what_we_did="We mapped the process with parents, caseworkers and educational psychologists, and "
        "found most delay in waiting for advice. We introduced one request for all advice on day one, a "
        "shared tracker and weekly checks on overdue advice.",
        outcomes="Plans on time rose from 31% to 68%. The average time fell from 31 weeks to 19.",
        evidence="Our SEN2 return and monthly performance data.",
        links=(
            (
                "https://www.gov.uk/government/publications/send-code-of-practice-0-to-25",
                "SEND code of practice: 0 to 25 years",
            ),
        ),
        cost_and_resources="A service designer for four months and two extra caseworkers.",
        lessons_learned="The shared tracker made delays visible, and visible delays got fixed.",
        do_differently="Bring health colleagues into the mapping from the first day.",
        measures=(("EHC plans issued within 20 weeks", 31, 68, "%"),),
        tags=("SEND", "EHC plans"),
        endorsements=(Nod(29), Nod(19, "The one request on day one is the key change.")),
    ),
    # --- Planning and Development (open) -------------------------------------------------------------
    DemoStory(
        "A validation checklist applicants can use halved invalid planning applications",
        community="Planning and Development",
        author=1,
        service_area=SA.PLANNING,
        audience=A.PUBLIC,
        days_ago=200,
        summary="Half of planning applications arrived invalid. A clear checklist, common-mistake examples "
        "and a 'validation surgery' for agents cut that to a quarter and validation to four days.",
        challenge="52% of applications arrived invalid, mostly for missing plans or the wrong fee. Each "
        "one meant letters, waiting and frustrated applicants, and validation took twelve days.",
        what_we_did="We rewrote our local validation list in plain English, with examples of good plans "
        "and the ten most common mistakes. We run a monthly validation surgery for agents, and call the "
        "applicant the same day if something small is missing.",
        outcomes="Invalid applications fell from 52% to 24%. Validation now takes four days on average.",
        evidence="Monthly data from our planning system for a year before and after.",
        links=(
            (
                "https://www.gov.uk/guidance/making-an-application",
                "Planning practice guidance: making an application",
            ),
            ("https://www.planningportal.co.uk/", "Planning Portal"),
        ),
        cost_and_resources="About 20 days of officer time to rewrite the list. The surgery takes two hours "
        "a month.",
        lessons_learned="The same-day phone call solves more than any letter.",
        do_differently="Involve agents in writing the list, not only in testing it.",
        measures=(
            ("Applications arriving invalid", 52, 24, "%"),
            ("Days to validate an application", 12, 4, "days"),
        ),
        tags=("Development management", "Validation", "Planning applications"),
        promoted=(3, 180),
        endorsements=(
            Nod(13),
            Nod(23, "The ten common mistakes list is now on our website too."),
            Nod(33),
            Nod("member"),
            Nod(21),
        ),
        adoptions=(
            Repeat(21, ADAPTED, 150, 110, "For our county matters applications: minerals and waste."),
            Repeat(33, ADOPTED, 120, 60, "Same approach; invalid applications down to 28%."),
        ),
        replies=(
            Reply(23, "Did the fee mistakes fall too, or only the missing plans?"),
            Reply(1, "Both. A fee calculator on the checklist page did most of it."),
        ),
    ),
    DemoStory(
        "Growing our own planners through apprenticeships",
        community="Planning and Development",
        author=17,
        service_area=SA.WORKFORCE,
        audience=A.MEMBERS,
        days_ago=160,
        summary="We could not recruit planners, so we now train them: twelve apprentices on the chartered "
        "town planner apprenticeship. Vacancies fell from nine to two and agency spending by two thirds.",
        challenge="Nine of our thirty planning posts were vacant and we spent £640,000 a year on agency "
        "planners. Every recruitment round failed.",
        what_we_did="We used our apprenticeship levy to fund twelve places on the chartered town planner "
        "degree apprenticeship, recruiting from local schools and our own administrative staff. Each "
        "apprentice has a mentor and a clear career path.",
        outcomes="Vacancies fell from nine to two. Agency spending fell from £640,000 to £210,000 a year. "
        "Eleven of the twelve apprentices are still with us.",
        evidence="HR and finance data for two years.",
        links=(
            ("https://www.apprenticeships.gov.uk/", "Apprenticeships"),
            ("https://www.rtpi.org.uk/", "Royal Town Planning Institute"),
        ),
        cost_and_resources="Funded by the apprenticeship levy, plus mentors' time.",
        lessons_learned="Recruiting our own administrative staff worked best: they knew the work already.",
        do_differently="Plan the mentors' workload. It was more than we expected.",
        measures=(
            ("Vacant planning posts", 9, 2, "posts"),
            ("Agency planner spending", 640000, 210000, "£ a year"),
        ),
        tags=("Apprenticeships", "Recruitment", "Planning"),
        endorsements=(Nod(3), Nod(1, "We are starting our first cohort in September.")),
        adoptions=(Repeat(37, ADOPTED, 100, 35, "Four apprentices in our first cohort."),),
    ),
    DemoStory(
        "Drone video instead of committee site visits",
        community="Planning and Development",
        author=21,
        service_area=SA.PLANNING,
        audience=A.PUBLIC,
        days_ago=230,
        archived=50,
        summary="We showed planning committee members drone footage of large sites instead of taking them "
        "there by minibus. It worked, until the contract ended.",
        challenge="Site visits for large applications took half a day and a minibus, and members often "
        "could not see the whole site from the road.",
        what_we_did="A licensed drone operator filmed each large site before committee, and the footage "
        "was shown at the meeting and published with the papers.",
        outcomes="Committee members valued the footage. We stopped when the contract ended and the budget "
        "was not renewed, so this story is archived.",
        evidence="Committee minutes and members' feedback.",
        links=(("https://www.caa.co.uk/drones/", "Civil Aviation Authority: drones"),),
        cost_and_resources="About £600 per site.",
        lessons_learned="Publish the footage with the papers: the public watched it too.",
        do_differently="Agree longer-term funding before starting.",
        tags=("Planning committee", "Drones"),
        endorsements=(Nod(13),),
    ),
    # --- Waste and Recycling (open) ------------------------------------------------------------------
    DemoStory(
        "In-cab reporting ended the argument about missed bins",
        community="Waste and Recycling",
        author=14,
        service_area=SA.ENVIRONMENT,
        audience=A.PUBLIC,
        days_ago=80,
        summary="Crews now record on a tablet in the cab when a bin was not out or was contaminated, with a "
        "photo. Residents see it online before they report a miss, and missed bins fell by 45%.",
        challenge="We received 112 missed bin reports for every 100,000 collections, and many were bins "
        "that had not been put out. Every one was an argument, and a return trip.",
        what_we_did="Crews record exceptions on an in-cab tablet: bin not out, contaminated, blocked access. "
        "Our online missed bin form shows the crew's record for that street before the resident reports. "
        "Returns are only sent for genuine misses.",
        outcomes="Missed bin reports fell from 112 to 61 per 100,000 collections. Repeat misses fell from "
        "9% to 3%. Return trips fell by half.",
        evidence="Data from the in-cab system and our customer service records for six months.",
        links=(("https://www.wrap.ngo.uk/", "WRAP"),),
        cost_and_resources="Tablets for 40 vehicles and a software subscription, about £55,000 a year.",
        lessons_learned="Crews needed to see the benefit: fewer complaints about them personally.",
        do_differently="We would train the contact centre before going live, not after.",
        measures=(
            ("Missed bin reports per 100,000 collections", 112, 61, "reports"),
            ("Repeat missed collections", 9, 3, "%"),
        ),
        tags=("Missed bins", "Waste collection", "In-cab technology"),
        promoted=(4, 70),
        endorsements=(
            Nod(24),
            Nod(34),
            Nod(8, "Showing the crew record before the report is clever."),
            Nod(4),
        ),
        adoptions=(Repeat(24, ADOPTED, 55, 20, "Same system, live on all rounds."),),
        replies=(
            Reply(34, "How did the crews take to the tablets?"),
            Reply(14, "Warily at first. What won them round was fewer complaints naming them."),
        ),
    ),
    DemoStory(
        "Reuse shops at our household waste recycling centres",
        community="Waste and Recycling",
        author=8,
        service_area=SA.ENVIRONMENT,
        audience=A.MEMBERS,
        days_ago=65,
        summary="Reuse shops at four recycling centres sell furniture, bikes and tools that would have been "
        "thrown away. 310 tonnes reused in a year and £180,000 raised for local charities.",
        challenge="Good furniture, bikes and tools were thrown into skips at our recycling centres every "
        "day, and our disposal costs rose every year.",
        what_we_did="With a local charity we opened reuse shops at four recycling centres. Staff divert "
        "reusable items as they arrive; the charity sells them and keeps the income.",
        outcomes="310 tonnes reused in a year. £180,000 raised for charity. Disposal costs reduced.",
        evidence="Tonnage data from the sites and the charity's accounts.",
        links=(
            ("https://www.wrap.ngo.uk/", "WRAP"),
            (
                "https://www.gov.uk/government/statistical-data-sets/env18-local-authority-collected-waste-"
                "annual-results-tables",
                "Local authority collected waste: annual results tables",
            ),
        ),
        cost_and_resources="Four converted containers and staff training, about £70,000.",
        lessons_learned="Site staff are the key. Train them and celebrate their finds.",
        do_differently="Start with electricals testing from the beginning.",
        measures=(("Tonnes reused a year", 20, 310, "tonnes"),),
        tags=("Reuse", "Household waste recycling centres"),
        endorsements=(Nod(28), Nod(24, "Celebrating the staff's finds: lovely.")),
        adoptions=(Repeat(28, ADAPTED, 40, 10, "Two sites so far, run by our own staff."),),
    ),
    # --- Public Health Intelligence (restricted) -----------------------------------------------------
    DemoStory(
        "Stop smoking support offered at every NHS Health Check",
        community="Public Health Intelligence",
        author=15,
        service_area=SA.PUBLIC_HEALTH,
        audience=A.COMMUNITY,
        days_ago=45,
        summary="Every smoker at an NHS Health Check is now offered a same-day referral to stop smoking "
        "support. Referrals tripled and quit rates held.",
        challenge="Health Checks recorded smoking status but rarely led to a referral. Only 8% of smokers "
        "seen were referred to stop smoking services.",
        what_we_did="We added very brief advice training for all Health Check staff and a same-day "
        "referral button in the Health Check template.",
        outcomes="Referrals from Health Checks rose from 8% to 27% of smokers seen. Four-week quit rates "
        "held at 52%.",
        evidence="Health Check and stop smoking service data for a year.",
        links=(
            (
                "https://www.gov.uk/government/publications/stopping-the-start-our-new-plan-to-create-a-"
                "smokefree-generation",
                "Stopping the start: our new plan to create a smokefree generation",
            ),
            ("https://www.healthcheck.nhs.uk/", "NHS Health Check"),
        ),
        cost_and_resources="Training time and a change to the template, about £8,000.",
        lessons_learned="Make the referral the default, not an extra step.",
        do_differently="Share referral data back with practices monthly from the start.",
        measures=(("Smokers referred at a Health Check", 8, 27, "%"),),
        tags=("Tobacco control", "NHS Health Check"),
        endorsements=(Nod(30), Nod(10, "The default referral is the key.")),
        adoptions=(Repeat(30, ADAPTED, 30, 6, "We added it to our community health check events too."),),
    ),
    DemoStory(
        "A JSNA dashboard directors actually open",
        community="Public Health Intelligence",
        author=10,
        service_area=SA.PUBLIC_HEALTH,
        audience=A.MEMBERS,
        days_ago=25,
        summary="We replaced a 300-page joint strategic needs assessment with a dashboard of twenty "
        "indicators and a page of headlines. Directors now use it in budget discussions.",
        challenge="Our JSNA was a 300-page document nobody read. Decisions were made without it.",
        what_we_did="We asked directors what decisions they faced, then chose twenty indicators that "
        "mattered, with a page of headlines updated quarterly.",
        outcomes="Directors opened the dashboard 1,200 times in the first quarter. It was cited in the "
        "budget papers for the first time.",
        evidence="Usage logs and committee papers.",
        links=(("https://fingertips.phe.org.uk/", "Fingertips public health data"),),
        cost_and_resources="Two analysts for three months.",
        lessons_learned="Start with the decisions, not the data.",
        do_differently="Involve the ICB analysts from the start.",
        measures=(("Pages in the JSNA", 300, 20, "pages"),),
        tags=("JSNA", "Dashboards", "Data analysis"),
        promoted=(5, 15),
        endorsements=(Nod(15), Nod(30, "Start with the decisions. Yes.")),
    ),
    # --- Revenues and Benefits (restricted) ----------------------------------------------------------
    DemoStory(
        "Text reminders before council tax summonses",
        community="Revenues and Benefits",
        author=26,
        service_area=SA.FINANCE,
        audience=A.PUBLIC,
        days_ago=40,
        summary="A text message three days before the reminder deadline, with a payment link. Summonses fell "
        "by 29% and in-year collection rose.",
        challenge="We issued 21,400 council tax summonses a year. Each one adds costs for the resident and "
        "work for us, and many were people who had simply forgotten.",
        what_we_did="We send a text three days before the reminder deadline with a payment link and a "
        "number to call if they are struggling. We tested the wording with residents.",
        outcomes="Summonses fell from 21,400 to 15,200 a year. In-year collection rose from 95.1% to 95.9%.",
        evidence="Revenues system data for a year before and after.",
        links=(
            ("https://www.gov.uk/council-tax", "Council Tax"),
            ("https://www.gov.uk/government/collections/council-tax-statistics", "Council tax statistics"),
        ),
        cost_and_resources="About £12,000 a year in text messages.",
        lessons_learned="Including the 'struggling to pay' number brought in people we could help early.",
        do_differently="Test the timing: three days before worked better than a week.",
        measures=(
            ("Council tax summonses issued", 21400, 15200, "a year"),
            ("In-year collection rate", 95.1, 95.9, "%"),
        ),
        tags=("Council tax", "Debt recovery", "Text messaging"),
        promoted=(18, 30),
        endorsements=(Nod(6), Nod(38, "Simple and effective."), Nod(8)),
        adoptions=(Repeat(6, ADOPTED, 25, 5, "Live from this month; early numbers look similar."),),
    ),
    # --- Chief Executives' Network (private) ---------------------------------------------------------
    DemoStory(
        "Monthly sessions where directors answer staff questions live",
        community="Chief Executives' Network",
        author=0,
        service_area=SA.WORKFORCE,
        audience=A.COMMUNITY,
        days_ago=470,
        summary="Every month the chief executive and directors answer any question from staff, live and "
        "unscripted. Staff survey scores on trust in leadership rose by 14 points.",
        challenge="Our staff survey showed low trust in senior leadership, and staff said decisions felt "
        "remote.",
        what_we_did="A monthly online session, open to all staff, where directors answer questions "
        "submitted anonymously or asked live. Answers to questions we cannot answer on the day are "
        "published within a week.",
        outcomes="Trust in senior leadership rose from 41% to 55% in the staff survey. Average attendance "
        "is 600.",
        evidence="Staff survey results for two years.",
        links=(("https://www.local.gov.uk/", "Local Government Association"),),
        cost_and_resources="An hour a month of directors' time and a communications officer's day.",
        lessons_learned="Answer the difficult questions first. Staff notice.",
        do_differently="Record the sessions for staff who cannot attend live.",
        measures=(("Staff who trust senior leadership", 41, 55, "%"),),
        tags=("Staff engagement", "Leadership"),
        endorsements=(Nod(20), Nod(30, "Answering the difficult questions first is the lesson.")),
    ),
    # Published the evening before the seed, for the network's members only, though its tags are some
    # outsiders' interests: the daily digest must keep it from them.
    DemoStory(
        "A joint officer board with our neighbours before reorganisation was decided",
        community="Chief Executives' Network",
        author=10,
        service_area=SA.DEMOCRACY,
        audience=A.COMMUNITY,
        days_ago=0.3,
        summary="Six councils in our area set up a joint board of chief officers a year before any "
        "reorganisation proposal was agreed. We had one evidence base for the proposal, and staff heard the "
        "same story from every council.",
        challenge="When the invitation to submit reorganisation proposals arrived, each council in our area "
        "started its own analysis with its own consultants. We were heading for six sets of figures, and "
        "staff in every council were hearing different rumours.",
        what_we_did="The chief executives agreed to do the work together before the politics settled:\n\n"
        "1. a joint board of chief officers meeting fortnightly, with a shared programme manager\n"
        "2. one data pack on finances, demand and services, signed off by all six section 151 officers\n"
        "3. staff briefings given by every chief executive on the same day, from the same script\n"
        "4. one options appraisal, commissioned jointly, its cost shared by population",
        outcomes="Every council used the same evidence, whichever option its members preferred. We spent "
        "£180,000 between us on external support, against an estimate of more than £600,000 had each "
        "council commissioned its own. Staff who said they felt informed held steady through the year.",
        evidence="Programme budget reports and two pulse surveys of staff across the six councils.",
        links=(
            (
                "https://www.gov.uk/government/publications/english-devolution-white-paper-power-and-"
                "partnership-foundations-for-growth",
                "English Devolution White Paper",
            ),
        ),
        cost_and_resources="A programme manager and an analyst shared by the six councils, and about two "
        "days a month of each chief executive's time.",
        lessons_learned="- Agree the data before anyone argues about the options.\n"
        "- Brief staff on the same day everywhere: rumours travel faster than emails.\n"
        "- Keep the leaders informed, and keep the officer work led by officers.",
        do_differently="We would have brought the trade unions into the first staff briefing, not the third.",
        measures=(("Separate options appraisals commissioned", 6, 1, "appraisals"),),
        tags=("Local government reorganisation", "Devolution", "Partnership working"),
        endorsements=(Nod(30, "The single data pack is the part I would copy first."),),
    ),
]


# --- Seeding -----------------------------------------------------------------------------------------------
NOTICE_DELAY = timedelta(minutes=3)  # how long after an event its notices were sent
READ_AFTER = timedelta(days=14)  # notices older than this were read by their recipients, a few hours later
READ_DELAY = timedelta(hours=5)
WRITING_TIME = timedelta(days=9)  # a story's draft was started this long before it was published
REPLY_GAP = timedelta(days=1, hours=12)


@dataclass
class _Seeding:
    now: datetime
    logins: dict[str, User]
    colleagues: list[User]
    # Dated in bulk at the end: the notices about them take their dates from these rows.
    endorsements: list[Endorsement] = field(default_factory=list)
    adoptions: list[Adoption] = field(default_factory=list)

    def person(self, key: Key) -> User:
        # As khub.demo_communities reads its keys: a login by name, or the n-th colleague.
        return self.logins[key] if isinstance(key, str) else self.colleagues[key % len(self.colleagues)]

    def ago(self, days: float, community: Community) -> datetime:
        """`days` ago, but never before the community existed (its threads start after it)."""
        return max(self.now - timedelta(days=days), community.created_at + timedelta(hours=1))

    def between(
        self, start: datetime, days_ago: float | None, share: float, until: datetime | None = None
    ) -> datetime:
        """`days_ago` if given (never before `start`), else `share` of the way from `start` to `until`."""
        if days_ago is not None:
            return max(self.now - timedelta(days=days_ago), start + timedelta(minutes=5))
        return start + ((until or self.now) - start) * share


@transaction.atomic
def seed_practice() -> int:
    """Create the demo stories that do not exist yet; returns how many of them there are."""
    logins, colleagues = _people()
    seeding = _Seeding(now=timezone.now(), logins=logins, colleagues=colleagues)
    first_notice = Notification.objects.aggregate(top=Max("pk"))["top"] or 0
    communities = {
        community.name: community
        for community in Community.objects.filter(slug__in=[slugify(name) for name in _community_names()])
    }
    _join(seeding, communities)
    titles = [spec.title for spec in STORIES]
    existing = set(PracticeStory.objects.filter(title__in=titles).values_list("title", flat=True))
    new = [spec for spec in STORIES if spec.title not in existing and spec.community in communities]
    made = {spec.title: _seed_story(seeding, spec, communities[spec.community]) for spec in new}
    # Adoptions once every story is there: a follow-up is the adopting council's own (later) story.
    by_title = {story.title: story for story in PracticeStory.objects.filter(title__in=titles)}
    for spec in new:
        for repeat in spec.adoptions:
            _seed_adoption(seeding, story=made[spec.title], repeat=repeat, by_title=by_title)
    Endorsement.objects.bulk_update(seeding.endorsements, ["created_at"])
    Adoption.objects.bulk_update(seeding.adoptions, ["created_at"])
    _date_notices(seeding, first_notice)
    for name in {spec.community for spec in new if not spec.draft}:
        community = communities[name]
        latest = community.threads.aggregate(latest=Max("last_activity_at"))["latest"]
        Community.objects.filter(pk=community.pk).update(last_activity_at=latest)
    return PracticeStory.objects.filter(title__in=titles).count()


def _community_names() -> set[str]:
    return {spec.community for spec in STORIES} | EXTRA_MEMBERS.keys()


def _join(seeding: _Seeding, communities: dict[str, Community]) -> None:
    for name, keys in EXTRA_MEMBERS.items():
        community = communities.get(name)
        if community is None:
            continue
        owner = (
            Membership.objects.filter(community=community, role=Membership.Role.OWNER)
            .select_related("user")
            .get()
            .user
        )
        for key in keys:
            person = seeding.person(key)
            if not Membership.objects.filter(community=community, user=person).exists():
                _add_member(owner=owner, community=community, person=person)


def _seed_story(seeding: _Seeding, spec: DemoStory, community: Community) -> PracticeStory:
    author = seeding.person(spec.author)
    published = seeding.ago(spec.days_ago + len(spec.title) % 7 / 24, community)  # not all at one hour
    written = max(published - WRITING_TIME, community.created_at) if not spec.draft else published
    story = stories.story_create(
        author=author,
        community=community,
        title=spec.title,
        summary=spec.summary,
        service_area=spec.service_area,
        audience=spec.audience,
        sections={
            "challenge": spec.challenge,
            "what_we_did": spec.what_we_did,
            "outcomes": spec.outcomes,
            "evidence": spec.evidence,
            "cost_and_resources": spec.cost_and_resources,
            "lessons_learned": spec.lessons_learned,
            "do_differently": spec.do_differently,
        },
        evidence_links=[{"url": url, "title": title} for url, title in spec.links],
        tags=list(spec.tags),
        co_authors=[seeding.person(key).handle for key in spec.co_authors],
        measures=[
            {"metric": metric, "before": before, "after": after, "unit": unit}
            for metric, before, after, unit in spec.measures
        ],
    )
    if spec.draft:
        PracticeStory.objects.filter(pk=story.pk).update(created_at=written, updated_at=written)
        return story
    story = stories.story_publish(actor=author, story=story)
    _seed_discussion(seeding, spec, story=story, published=published)
    dates = {"created_at": written, "published_at": published, "updated_at": published}
    archived = seeding.between(published, spec.archived, 1) if spec.archived is not None else None
    for number, nod in enumerate(spec.endorsements, 1):
        endorsement = recognition.endorsement_create(
            user=seeding.person(nod.by), story=story, comment=nod.comment
        )
        share = number / (len(spec.endorsements) + 2)  # while it was in the library
        endorsement.created_at = seeding.between(published, nod.days_ago, share, until=archived)
        seeding.endorsements.append(endorsement)
    if spec.promoted:
        facilitator, days_ago = spec.promoted
        dates["promoted_at"] = seeding.between(published, days_ago, 0)
        recognition.story_promote(actor=seeding.person(facilitator), story=story)
        ModerationLogEntry.objects.filter(
            action=ModerationLogEntry.Action.STORY_PROMOTED, about_url=story_url(story)
        ).update(created_at=dates["promoted_at"])
    if archived is not None:
        stories.story_archive(actor=author, story=story)
        dates["updated_at"] = archived
    PracticeStory.objects.filter(pk=story.pk).update(**dates)
    return story


def _seed_discussion(
    seeding: _Seeding, spec: DemoStory, *, story: PracticeStory, published: datetime
) -> None:
    """The discussion story_publish started, and its replies, moved back to the publication. Each post is
    dated as soon as it is made, so the post rate limit (posts in the last minute) never counts it; each
    gets notified_at, so nobody is told about it now."""
    thread = story.discussion
    Post.objects.filter(pk=thread.opening_post_id).update(created_at=published, notified_at=published)
    latest = published
    for reply in spec.replies:
        latest = min(latest + REPLY_GAP, seeding.now - timedelta(hours=1))
        post = conversations.post_reply(author=seeding.person(reply.by), thread=thread, body=reply.body)
        Post.objects.filter(pk=post.pk).update(created_at=latest, notified_at=latest)
    Thread.objects.filter(pk=thread.pk).update(created_at=published, last_activity_at=latest)


def _seed_adoption(
    seeding: _Seeding, *, story: PracticeStory, repeat: Repeat, by_title: dict[str, PracticeStory]
) -> None:
    started_on = timezone.localtime(seeding.now - timedelta(days=repeat.started)).date()
    adoption = recognition.adoption_record(
        user=seeding.person(repeat.by),
        story=story,
        outcome=repeat.outcome,
        started_on=started_on,
        notes=repeat.notes,
        follow_up=by_title.get(repeat.follow_up),
    )
    adoption.created_at = seeding.now - timedelta(days=repeat.recorded)
    seeding.adoptions.append(adoption)


# When each kind of notice the practice services sent happened: the story's dates, or the row it tells of.
_STORY = PracticeStory.objects.filter(pk=OuterRef("target_id"))
NOTICE_TIMES = {
    "practice.co_author": _STORY.values("created_at"),
    "practice.published": _STORY.values("published_at"),
    "practice.promoted": _STORY.values("promoted_at"),
    "practice.endorsed": Endorsement.objects.filter(
        story=OuterRef("target_id"), user=OuterRef("actor")
    ).values("created_at"),
    "practice.adopted": Adoption.objects.filter(
        story=OuterRef("target_id"), recorded_by=OuterRef("actor")
    ).values("created_at"),
}


def _date_notices(seeding: _Seeding, first_notice: int) -> None:
    """Date the notices this seeding sent about stories when what they tell of happened, a few minutes
    after; those older than a fortnight were read by now."""
    notices = Notification.objects.filter(
        pk__gt=first_notice, target_type=ContentType.objects.get_for_model(PracticeStory)
    )
    for kind, moment in NOTICE_TIMES.items():
        notices.filter(kind=kind).update(created_at=Subquery(moment[:1]) + NOTICE_DELAY)
    notices.filter(created_at__lt=seeding.now - READ_AFTER).update(read_at=F("created_at") + READ_DELAY)
