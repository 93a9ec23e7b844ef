import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from profiles import avatars
from profiles.models import User
from tests.factories import UserFactory
from tests.profiles.people_helpers import image_bytes

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("profiles:settings-profile")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored_files(media) -> list[str]:
    return sorted(p.name for p in media.rglob("*") if p.is_file()) if media.exists() else []


def _form(member, **changes):
    data = {
        "display_name": member.display_name,
        "job_title": member.job_title,
        "bio": "",
        "expertise": "",
        "interests": "",
    }
    data.update(changes)
    return data


def _upload(client, member, content: bytes, name: str, content_type="image/png", **changes):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(SETTINGS_URL, _form(member, avatar=upload, **changes))


def _png_bomb(width=20000, height=20000) -> bytes:
    """A valid 1-bit PNG of width x height, all black: a few tens of kilobytes that decode to 400MB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes((width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def _jpeg_with_orientation(size=(1600, 800), orientation=6) -> bytes:
    image = Image.new("RGB", size, "navy")
    exif = Image.Exif()
    exif[0x0112] = orientation  # rotate 90 degrees clockwise to display
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # a GPS position that must not survive
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_a_good_jpeg_is_turned_upright_resized_and_stored_as_webp(client, member, media):
    client.force_login(member)
    response = _upload(client, member, _jpeg_with_orientation(), "holiday.JPG", "image/jpeg")
    assert response.status_code == 302
    assert response.url == reverse("profiles:profile", kwargs={"handle": member.handle})
    member.refresh_from_db()
    assert member.avatar.name.startswith("avatars/")
    assert member.avatar.name.endswith(".webp")
    assert "holiday" not in member.avatar.name
    with member.avatar.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "WEBP"
        assert image.size == (200, 400)  # portrait after EXIF orientation 6, within 400 x 400
        assert not image.getexif()


def test_the_avatar_is_served_with_its_content_type_and_a_long_cache_lifetime(client, member):
    client.force_login(member)
    _upload(client, member, image_bytes("PNG"), "me.png")
    member.refresh_from_db()
    other = UserFactory()
    client.force_login(other)
    profile = client.get(reverse("profiles:profile", kwargs={"handle": member.handle})).text
    filename = member.avatar.name.rsplit("/", 1)[1]
    url = reverse("profiles:avatar", kwargs={"handle": member.handle, "filename": filename})
    assert f'src="{url}"' in profile
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert "max-age=31536000" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(body)).format == "WEBP"


def test_the_avatar_view_gives_404_for_anything_but_a_members_current_avatar(client, member):
    client.force_login(member)
    _upload(client, member, image_bytes("PNG"), "me.png")
    member.refresh_from_db()
    filename = member.avatar.name.rsplit("/", 1)[1]
    other = UserFactory()
    for handle, name in [
        (member.handle, "0123456789abcdef.webp"),
        (other.handle, filename),
        ("nobody-here", filename),
        (member.handle, "../" + filename),
    ]:
        url = reverse("profiles:avatar", kwargs={"handle": handle, "filename": name.replace("/", "%2F")})
        assert client.get(url).status_code == 404, (handle, name)
    member.is_active = False
    member.save(update_fields=["is_active"])
    client.force_login(other)
    url = reverse("profiles:avatar", kwargs={"handle": member.handle, "filename": filename})
    assert client.get(url).status_code == 404


def test_a_real_png_named_jpg_is_accepted_and_re_encoded(client, member):
    client.force_login(member)
    assert _upload(client, member, image_bytes("PNG"), "photo.jpg", "image/jpeg").status_code == 302
    member.refresh_from_db()
    assert member.avatar.name.endswith(".webp")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.png", b"These are my notes, not a picture.\n" * 20, avatars.ERROR_TYPE),
        (
            "logo.png",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
            avatars.ERROR_TYPE,
        ),
        (
            "scan.png",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
            avatars.ERROR_TYPE,
        ),
        ("empty.png", b"", avatars.ERROR_EMPTY),
        ("truncated.png", image_bytes("PNG", size=(300, 300), colour=None)[:200], avatars.ERROR_TYPE),
        ("bitmap.png", image_bytes("BMP"), avatars.ERROR_TYPE),
        ("bomb.png", _png_bomb(), avatars.ERROR_PIXELS),
        # 49 megapixels: over our limit, under the point where Pillow itself refuses
        ("bomb2.png", _png_bomb(7000, 7000), avatars.ERROR_PIXELS),
        ("huge.png", image_bytes("PNG") + b"\x00" * avatars.MAX_UPLOAD_BYTES, avatars.ERROR_TOO_BIG),
    ],
)
def test_hostile_or_unfit_files_are_refused_and_nothing_is_saved(
    client, member, media, name, content, message
):
    old_name = member.display_name
    client.force_login(member)
    response = _upload(client, member, content, name, display_name="A New Name", job_title="Changed")
    assert response.status_code == 200
    html = response.text
    assert "<title>Error: Edit your profile – Knowledge Hub</title>" in html
    assert 'class="govuk-error-summary"' in html
    assert f'<a href="#id_avatar">{message}</a>' in html
    assert 'class="govuk-file-upload govuk-file-upload--error"' in html
    member.refresh_from_db()
    assert member.display_name == old_name
    assert member.job_title != "Changed"
    assert not member.avatar
    assert _stored_files(media) == []


def test_a_new_avatar_replaces_the_old_file_after_commit_and_can_be_removed(
    client, member, media, django_capture_on_commit_callbacks
):
    client.force_login(member)
    _upload(client, member, image_bytes("PNG"), "one.png")
    member.refresh_from_db()
    first = member.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, member, image_bytes("GIF"), "two.gif", "image/gif")
    member.refresh_from_db()
    assert member.avatar.name != first
    assert _stored_files(media) == [member.avatar.name.rsplit("/", 1)[1]]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SETTINGS_URL, _form(member, remove_avatar="on"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.avatar
    assert _stored_files(media) == []


def test_transparent_and_animated_images_are_accepted(client, member):
    client.force_login(member)
    frames = [Image.new("P", (50, 50), i) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], transparency=0)
    assert _upload(client, member, buffer.getvalue(), "wave.gif", "image/gif").status_code == 302
    assert _upload(client, member, image_bytes("WEBP"), "me.webp", "image/webp").status_code == 302
    member.refresh_from_db()
    assert User.objects.get(pk=member.pk).avatar.name.endswith(".webp")


def test_pillow_refuses_decompression_bombs_process_wide():
    assert Image.MAX_IMAGE_PIXELS == avatars.MAX_PIXELS
