"""Builders shared by the people-page tests: state made through the services, as the pages see it."""

import io

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
