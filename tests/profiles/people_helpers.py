"""Builders shared by the people-page tests: state made through the services, as the pages see it."""

import io

from django.urls import reverse
from PIL import Image

from profiles.models import User
from profiles.services import follow_create, profile_update


def give_profile(person: User, **changes) -> User:
    """profile_update with the person's current values, overridden by `changes`."""
    values = {
        "display_name": person.display_name,
        "job_title": person.job_title,
        "bio": person.bio,
        "show_email": person.show_email,
        "expertise": list(person.expertise.names()),
        "interests": list(person.interests.names()),
    }
    values.update(changes)
    return profile_update(user=person, **values)


def follow(follower: User, followed: User) -> None:
    follow_create(follower=follower, followed=followed)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), colour="teal", **save) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt in {"PNG", "WEBP"} else "RGB"
    Image.new(mode, size, colour).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def admin_user_change(client, person: User, **changes):
    """POST the admin's change form for `person` as it stands, with `changes` applied; a change set to
    None leaves the field out, as an unticked checkbox does. The client must be signed in as a site admin."""
    url = reverse("admin:profiles_user_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    skip = {"groups", "user_permissions"}
    data = {k: v for k, v in form.initial.items() if v is not None and k not in skip}
    data.update(
        {
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "emailaddress_set-TOTAL_FORMS": "0",
            "emailaddress_set-INITIAL_FORMS": "0",
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    for field, value in changes.items():
        if value is None:
            data.pop(field, None)
        else:
            data[field] = value
    return client.post(url, data)
