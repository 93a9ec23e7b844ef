"""The text of an uploaded file, for search. Each reader runs with limits (time, bytes unpacked, characters
kept) and fails with ExtractionFailed, in words a member can read, on a damaged, encrypted or hostile file.
"""

from library.models import TEXT_MAX_LENGTH, Kind


class ExtractionFailed(Exception):
    """The file's text could not be read; the message says why, for the document's page."""


def extract_text(kind: str, handle) -> str:
    """The text of a file of `kind` (library.models.Kind) read from the binary `handle`."""
    if kind in (Kind.TEXT, Kind.CSV):
        raw = handle.read(TEXT_MAX_LENGTH * 4)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")
    raise ExtractionFailed("Text is not read from this type of file yet.")
