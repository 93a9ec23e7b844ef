"""Digests in a member's records (registered through profiles.extensions from KhubConfig.ready()): the data
export lists the digests sent to them; erasing an account deletes them, as they quote what others wrote.

Registrations only: the export and the erasure are in khub/digests/records.py."""

from khub.digests.records import digests_personal_data, erase_digests
from profiles.extensions import register_erasure, register_personal_data

register_personal_data("digests", digests_personal_data)
register_erasure(erase_digests)
