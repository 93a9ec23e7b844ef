import re

from django.urls import reverse
from playwright.sync_api import expect

from communities.models import Community, Membership, ModerationLogEntry
from profiles.models import Notification
from tests.browser.steps import sign_in
from tests.communities.helpers import person_as
from tests.factories import CommunityFactory, CouncilFactory, UserFactory, VerifiedMemberFactory

PASSWORD = "correct-horse-battery"


def test_officer_creates_a_restricted_community_a_peer_asks_to_join_and_the_facilitator_approves(
    new_visitor,
):
    priya = VerifiedMemberFactory(
        display_name="Priya Shah", council=CouncilFactory(name="Leeds City Council")
    )
    sam = UserFactory(display_name="Sam Patel", council=CouncilFactory(name="Camden Council"))
    facilitator, requester = new_visitor(), new_visitor()

    # Priya creates a restricted community and becomes its owner.
    page = facilitator.page
    facilitator.open("/")
    sign_in(facilitator, email=priya.email, password=PASSWORD)
    facilitator.follow(page.get_by_role("link", name="Communities", exact=True))
    facilitator.follow(page.get_by_role("button", name="Create a community"))
    page.get_by_label("Name", exact=True).fill("Digital Transformation")
    page.get_by_label("Short description").fill("Officers changing how council services work online.")
    page.get_by_label("About this community (optional)").fill("We share **what worked** and what did not.")
    page.get_by_label("Restricted", exact=True).check()
    facilitator.submit(page.get_by_role("button", name="Create community"))
    community = Community.objects.get(name="Digital Transformation")
    assert facilitator.path() == reverse("communities:detail", args=[community.slug])
    expect(page.get_by_text("You created Digital Transformation. You are its owner.")).to_be_visible()
    facilitator.follow(page.get_by_role("link", name="Manage community"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests to join")
    expect(page.get_by_text("There are no requests waiting.")).to_be_visible()

    # Sam finds it in the directory and asks to join with a message: htmx swaps the form in place.
    page = requester.page
    requester.open("/")
    sign_in(requester, email=sam.email, password=PASSWORD)
    requester.follow(page.get_by_role("link", name="Communities", exact=True))
    requester.follow(page.get_by_role("link", name="Digital Transformation"))
    page.get_by_label("Message to the facilitators (optional)").fill("I lead our website team at Camden.")
    page.get_by_role("button", name="Request to join").click()
    expect(page.get_by_text("Your request is waiting for a facilitator")).to_be_visible()
    requester.scan()
    assert Membership.objects.get(user=sam, community=community).state == "requested"

    # Priya is told in her inbox; the notification leads to the requests, where she approves with htmx.
    page = facilitator.page
    facilitator.open("/")
    facilitator.follow(page.get_by_role("link", name="Notifications 1 unread"))
    facilitator.follow(page.get_by_role("link", name="Sam Patel asked to join Digital Transformation"))
    assert facilitator.path() == reverse("communities:manage", args=[community.slug])
    request = page.locator(f"#request-{sam.pk}")
    expect(request).to_contain_text("Camden Council")
    expect(request).to_contain_text("I lead our website team at Camden.")
    expect(page.get_by_role("link", name=re.compile(r"^Requests to join\s+1 waiting$"))).to_be_visible()
    request.get_by_label("Message to Sam Patel (optional)").fill("Welcome, Sam!")
    page.get_by_role("button", name="Approve Sam Patel").click()
    expect(request).to_contain_text("You approved Sam Patel's request. They are now a member")
    expect(request).to_be_focused()
    expect(page.get_by_role("status")).to_contain_text("You approved Sam Patel's request")
    expect(page.get_by_role("link", name="Requests to join", exact=True)).to_be_visible()
    facilitator.scan()

    facilitator.follow(page.get_by_role("link", name="Members"))
    expect(page.get_by_role("heading", name="2 members")).to_be_visible()
    sam_row = page.locator(f"#member-{sam.pk}")
    expect(sam_row).to_contain_text("Member")
    # htmx swaps the lists; the focus goes to Sam's row, whose button is gone.
    page.get_by_role("button", name="Make Sam Patel a facilitator").click()
    expect(sam_row).to_contain_text("Facilitator")
    expect(sam_row).to_be_focused()
    expect(page.get_by_role("status")).to_have_text("Sam Patel is now a facilitator.")
    facilitator.scan()
    facilitator.follow(page.get_by_role("link", name="Moderation log"))
    expect(page.get_by_role("row", name=re.compile("Approved a request to join"))).to_contain_text(
        "Welcome, Sam!"
    )
    expect(page.get_by_role("row", name=re.compile("Made a facilitator"))).to_contain_text("Sam Patel")

    # Sam is a member, now a facilitator too, and his inbox says so.
    page = requester.page
    requester.open("/")
    requester.follow(page.get_by_role("link", name="Notifications 2 unread"))
    expect(
        page.get_by_role("link", name="You are now a facilitator of Digital Transformation")
    ).to_be_visible()
    link = page.get_by_role(
        "link", name="Your request to join Digital Transformation was approved: Welcome, Sam!"
    )
    requester.follow(link)
    assert requester.path() == reverse("communities:detail", args=[community.slug])
    expect(page.get_by_text("You are a facilitator of this community.")).to_be_visible()
    assert Membership.objects.get(user=sam, community=community).is_facilitator
    assert Notification.objects.filter(recipient=sam, kind="community.request_approved").exists()


def test_facilitator_bans_a_member_with_a_reason_without_javascript(new_visitor):
    community = CommunityFactory(name="Procurement", visibility="open")
    owner = community.created_by
    person_as("member", community, display_name="Gareth Pritchard")
    gareth = Membership.objects.get(community=community, user__display_name="Gareth Pritchard").user
    person_as("member", community, display_name="Mo Member")
    UserFactory(display_name="Aisha Okafor")
    visitor = new_visitor(javascript=False)
    page = visitor.page

    visitor.open("/")
    sign_in(visitor, email=owner.email, password=PASSWORD)
    visitor.open(reverse("communities:manage-members", args=[community.slug]))
    expect(page.get_by_role("heading", name="3 members")).to_be_visible()
    visitor.follow(page.get_by_role("link", name="Ban Gareth Pritchard"))
    expect(page.get_by_role("heading", name="Ban Gareth Pritchard from Procurement?")).to_be_visible()

    # No reason: the error summary, and nothing happens.
    visitor.submit(page.get_by_role("button", name="Ban Gareth Pritchard"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for the ban")
    assert Membership.objects.get(user=gareth, community=community).state == "active"

    page.get_by_label("Reason for the ban").fill("Posting adverts for his consultancy.")
    visitor.submit(page.get_by_role("button", name="Ban Gareth Pritchard"))
    assert visitor.path() == reverse("communities:manage-members", args=[community.slug])
    expect(page.get_by_text("You banned Gareth Pritchard from Procurement.")).to_be_visible()
    expect(page.get_by_role("heading", name="2 members")).to_be_visible()
    expect(page.get_by_role("button", name="Lift ban on Gareth Pritchard")).to_be_visible()

    visitor.follow(page.get_by_role("link", name="Moderation log"))
    expect(page.get_by_role("row", name=re.compile("Banned a member"))).to_contain_text(
        "Posting adverts for his consultancy."
    )
    assert ModerationLogEntry.objects.filter(action="banned", subject=gareth, actor=owner).exists()
    assert Notification.objects.filter(recipient=gareth, kind="community.banned").exists()

    # Invite someone found by name, with a message.
    visitor.follow(page.get_by_role("link", name="Invite people"))
    page.get_by_label("Name", exact=True).fill("okaf")
    visitor.submit(page.get_by_role("main").get_by_role("button", name="Search"))  # not the header's
    expect(page.get_by_role("heading", name="1 person matching ‘okaf’")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Aisha Okafor"))).to_be_visible()
    visitor.follow(page.get_by_role("link", name="Invite Aisha Okafor"))
    page.get_by_label("Message with the invitation (optional)").fill("Your tender work would help us.")
    visitor.submit(page.get_by_role("button", name="Send invitation to Aisha Okafor"))
    expect(page.get_by_text("You invited Aisha Okafor.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Aisha Okafor"))).to_contain_text("Invited")

    # Change the settings: the community becomes restricted.
    visitor.follow(page.get_by_role("link", name="Settings"))
    page.get_by_label("Restricted", exact=True).check()
    visitor.submit(page.get_by_role("button", name="Save settings"))
    expect(page.get_by_text("The community's settings are saved.")).to_be_visible()
    assert Community.objects.get(pk=community.pk).visibility == "restricted"
