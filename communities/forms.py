from django import forms
from django.core.exceptions import ValidationError

from communities.models import (
    POST_BODY_MAX_LENGTH,
    Community,
    Membership,
    ModerationLogEntry,
    PostReport,
    Thread,
)
from communities.selectors import SORTS
from core.forms import CHARACTER_COUNT, MARKDOWN, LongSelect, MarkdownForm, max_length_error
from profiles.forms import TagListField

V = Community.Visibility

# What each visibility means, in the words the create form and the community page use.
VISIBILITY_HINTS = {
    V.OPEN: "Listed in the directory. Any member can join at once and read its conversations.",
    V.RESTRICTED: "Listed in the directory. People ask to join and a facilitator approves them. "
    "Only members can read its conversations and see who belongs.",
    V.PRIVATE: "Not listed. People join only when a facilitator invites them. To everyone else it "
    "does not exist.",
}


class CommunityForm(MarkdownForm):
    """Create a community (and, for the facilitators' settings page, change one). A plain Form: the
    service validates again and saves; a ModelForm would write onto the instance while validating."""

    name = forms.CharField(
        label="Name",
        max_length=Community._meta.get_field("name").max_length,
        help_text="For example, Adult Social Care. No other community can have the same name.",
        error_messages={"required": "Enter a name for the community", **max_length_error("Name")},
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )
    description = forms.CharField(
        label="Short description",
        max_length=Community._meta.get_field("description").max_length,
        help_text="One sentence shown in the directory: who it is for and what it is about.",
        error_messages={"required": "Enter a short description", **max_length_error("Short description")},
    )
    about = forms.CharField(
        label="About this community (optional)",
        required=False,
        max_length=Community._meta.get_field("about").max_length,
        help_text="What members talk about, who should join and any ground rules.",
        error_messages=max_length_error("About this community"),
        widget=forms.Textarea(attrs={"rows": 8}),
        template_name=MARKDOWN,
    )
    topics = TagListField(
        noun="topic",
        label="Topics (optional)",
        help_text="Help people find it, for example: housing, homelessness prevention. "
        "Separate topics with commas.",
    )
    visibility = forms.ChoiceField(
        label="Who can find and join it",
        choices=V.choices,
        initial=V.OPEN,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who can find and join the community"},
        # GOV.UK radios with a hint under each choice (VISIBILITY_HINTS).
        template_name="communities/browse/_visibility_field.html",
    )
    # The facilitators' settings page only (editing=True): a new community starts with it off.
    members_create_events = forms.BooleanField(
        label="Members can create events",
        required=False,
        help_text="Facilitators can always create events. Tick this to let every member announce one too.",
    )
    # The facilitators' settings page only: a new community starts with it on.
    members_upload_documents = forms.BooleanField(
        label="Members can upload to the library",
        required=False,
        help_text="Facilitators can always upload. Untick this to keep uploading documents and new versions "
        "to the facilitators.",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["members_create_events"]
            del self.fields["members_upload_documents"]

    @staticmethod
    def initial_for(community: Community) -> dict:
        return {
            "name": community.name,
            "description": community.description,
            "about": community.about,
            "topics": sorted(community.topics.names(), key=str.lower),
            "visibility": community.visibility,
            "members_create_events": community.members_create_events,
            "members_upload_documents": community.members_upload_documents,
        }


class JoinForm(forms.Form):
    message = forms.CharField(
        label="Message to the facilitators (optional)",
        required=False,
        max_length=Membership._meta.get_field("message").max_length,
        help_text="Say who you are and why you would like to join.",
        error_messages=max_length_error("Your message"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


SORT_LABELS = {"activity": "Recent activity", "members": "Most members", "newest": "Newest"}


class DirectoryForm(forms.Form):
    """The directory's GET form. A value that does not fit is reported and ignored; the others still apply."""

    q = forms.CharField(
        label="Name",
        required=False,
        max_length=100,
        error_messages={"max_length": "Name must be %(limit_value)d characters or fewer"},
    )
    topic = forms.ChoiceField(
        label="Topic",
        required=False,
        widget=LongSelect,  # every topic of a community the viewer may see: hundreds on a national hub
        error_messages={"invalid_choice": "Select a topic from the list"},
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[(key, SORT_LABELS[key]) for key in SORTS],
        error_messages={"invalid_choice": "Select how to sort the communities"},
    )

    def __init__(self, *args, topics: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "All topics"), *topics]

    def filters(self) -> dict[str, str]:
        self.is_valid()  # cleaned_data keeps only the fields that are valid
        data = self.cleaned_data
        return {
            "query": data.get("q") or "",
            "topic": data.get("topic") or "",
            "sort": data.get("sort") or "activity",
        }


# --- Facilitators' pages (/communities/<slug>/manage/) ----------------------------------------------------
MESSAGE_MAX = Membership._meta.get_field("message").max_length  # a message goes where a request's does
REASON_MAX = ModerationLogEntry._meta.get_field("reason").max_length


class RequestDecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")],
        error_messages={
            "required": "Choose approve or decline",
            "invalid_choice": "Choose approve or decline",
        },
    )
    message = forms.CharField(
        label="Message to them (optional)",
        required=False,
        max_length=MESSAGE_MAX,
        help_text="They see it with the decision in their notifications, shortened there if it is long.",
        error_messages=max_length_error("Your message"),
        widget=forms.Textarea(attrs={"rows": 2}),
        template_name=CHARACTER_COUNT,
    )


class InviteSearchForm(forms.Form):
    q = forms.CharField(
        label="Name",
        required=False,
        max_length=100,
        help_text="Part of the person's name, for example Priya.",
        error_messages=max_length_error("Name"),
    )


class InviteForm(forms.Form):
    # Checked in clean(): the error belongs at the top of the page, not on a hidden field.
    user_id = forms.CharField(required=False, widget=forms.HiddenInput)
    message = forms.CharField(
        label="Message with the invitation (optional)",
        required=False,
        max_length=MESSAGE_MAX,
        help_text="Why you are inviting them. They see it with the invitation.",
        error_messages=max_length_error("Your message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        template_name=CHARACTER_COUNT,
    )

    def clean(self):
        data = super().clean()
        user_id = str(data.get("user_id") or "")
        if not user_id.isdigit():
            raise ValidationError("Choose a person to invite")
        data["user_id"] = int(user_id)
        return data


class MemberActionForm(forms.Form):
    ACTIONS = ["promote", "demote", "make_owner", "remove", "ban", "unban", "cancel_invitation"]

    action = forms.ChoiceField(
        choices=[(action, action) for action in ACTIONS],
        error_messages={"required": "Choose what to do", "invalid_choice": "Choose what to do"},
    )
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=REASON_MAX,
        help_text=(
            "They see it in their notification, shortened there if it is long. "
            "The moderation log keeps it whole."
        ),
        error_messages=max_length_error("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        template_name=CHARACTER_COUNT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if (self.data.get("action") or self.initial.get("action")) == "ban":
            self.fields["reason"].label = "Reason for the ban"

    def clean(self):
        data = super().clean()
        if data.get("action") == "ban" and not data.get("reason", "").strip():
            # A ban keeps someone out until it is lifted: the log must say why.
            self.add_error("reason", "Enter the reason for the ban")
        return data


# --- Conversations -----------------------------------------------------------------------------------
def _body_field(label: str) -> forms.CharField:
    # Markdown: the form's Formatting help (once, with @mentions) says how to format it.
    return forms.CharField(
        label=label,
        max_length=POST_BODY_MAX_LENGTH,
        strip=False,
        error_messages={"required": "Enter your message", **max_length_error("Your message")},
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "true"}),
        template_name=MARKDOWN,
    )


class PostForm(MarkdownForm):
    markdown_mentions = True


class ThreadForm(PostForm):
    title = forms.CharField(
        label="Title",
        max_length=Thread._meta.get_field("title").max_length,
        help_text="What it is about, in a sentence. For a question, ask it here.",
        error_messages={"required": "Enter a title", **max_length_error("Title")},
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )
    kind = forms.ChoiceField(
        label="What kind of conversation is it?",
        choices=[
            (Thread.Kind.DISCUSSION, "A discussion: share something or ask for views"),
            (Thread.Kind.QUESTION, "A question: one reply can be marked as the answer"),
        ],
        initial=Thread.Kind.DISCUSSION,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select a discussion or a question",
            "invalid_choice": "Select a discussion or a question",
        },
    )
    body = _body_field("Your message")
    tags = TagListField(
        noun="topic",
        label="Tags (optional)",
        help_text="Help people find it, for example: SEND transport, procurement. Separate tags with commas.",
    )


class ReplyForm(PostForm):
    markdown_heading_level = 3  # under the thread page's "Reply to the conversation"
    body = _body_field("Your reply")
    # The post replied to: empty for the conversation itself (its opening post).
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, parent_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if parent_id:
            self.initial["parent"] = parent_id
            # One form per post replied to: ids must not clash with the form at the foot of the page.
            self.auto_id = f"reply-{parent_id}-%s"


class EditPostForm(PostForm):
    body = _body_field("Your post")


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with this post?",
        max_length=PostReport._meta.get_field("reason").max_length,
        help_text="Only the community's facilitators see your report and your name.",
        error_messages={"required": "Say what is wrong with the post", **max_length_error("Your reason")},
        widget=forms.Textarea(attrs={"rows": 4}),
        template_name=CHARACTER_COUNT,
    )


class ModerationReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX,
        help_text="The author is told it. The moderation log keeps it.",
        error_messages={"required": "Enter the reason", **max_length_error("Reason")},
        widget=forms.Textarea(attrs={"rows": 3}),
        template_name=CHARACTER_COUNT,
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if not required:
            self.fields["reason"].label = "Reason (optional)"
            self.fields["reason"].help_text = "The moderation log keeps it."


class MoveThreadForm(forms.Form):
    community = forms.ModelChoiceField(
        label="Move it to",
        queryset=Community.objects.none(),
        empty_label="Choose a community",
        error_messages={
            "required": "Choose a community",
            "invalid_choice": "Choose a community you facilitate",
        },
    )
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=REASON_MAX,
        help_text="Both communities' moderation logs keep it.",
        error_messages=max_length_error("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = targets
