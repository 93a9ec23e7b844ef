"""core.email: the envelope every email the hub sends on its own shares, without a member or a database."""

from datetime import UTC, datetime

from django.test import override_settings

from core.email import absolute, message_id, multipart_email

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "emails/hello.txt": "{{ subject }} | {{ greeting }} | {{ unsubscribe_url }}",
                        "emails/hello.html": "<p>{{ greeting }} on {{ site_url }}</p>",
                    },
                )
            ]
        },
    }
]


@override_settings(TEMPLATES=TEMPLATES, SITE_URL="https://hub.example.test")
def test_an_envelope_has_both_parts_a_one_line_subject_and_a_one_click_unsubscribe():
    leave = absolute("/unsubscribe/token/")
    message = multipart_email(
        to="priya@example.test",
        template="hello",
        context={"greeting": "Hello", "subject": "not this one"},
        subject="Two\nlines  and\r\nspaces",
        unsubscribe_url=leave,
    )
    assert message.to == ["priya@example.test"]
    assert message.subject == "Two lines and spaces"
    assert message.body == f"Two lines and spaces | Hello | {leave}"
    assert message.alternatives[0][0] == "<p>Hello on https://hub.example.test</p>"
    assert message.alternatives[0][1] == "text/html"
    assert message.extra_headers == {
        "List-Unsubscribe": "<https://hub.example.test/unsubscribe/token/>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


@override_settings(TEMPLATES=TEMPLATES, SITE_URL="https://hub.example.test:8443/khub")
def test_a_message_id_is_the_same_for_every_attempt_and_named_after_the_sites_host():
    created = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    expected = f"<notice-7.{created.timestamp():.6f}@hub.example.test>"
    assert message_id("notice", 7, created) == expected
    message = multipart_email(
        to="priya@example.test",
        template="hello",
        context={},
        subject="Hi",
        unsubscribe_url="https://hub.example.test/u/",
        message_id=message_id("notice", 7, created),
    )
    assert message.extra_headers["Message-ID"] == expected
