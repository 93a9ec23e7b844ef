"""What events add to the rest of the hub (imported from apps.ready()): the home feed, search, digests, the
"Going to" section of a profile, the "Coming up" block of a community's page, the data export, account
erasure, and whether a notice about an event may still be shown.

Registrations only: the reads are in events/providers/, events/records.py and events/selectors.py, each
through events.permissions so every surface shows the same events to the same viewer; the erasure in
events/services/.
"""

from communities.sections import register_community_section
from core.providers.digests import register_digest_provider
from core.providers.feed import register_feed_source
from core.providers.search import register_search_kind
from events import permissions
from events.providers.digests import EVENTS_IN_DIGESTS
from events.providers.feed import EVENTS_IN_FEED
from events.providers.search import EVENTS_IN_SEARCH
from events.records import events_personal_data, profile_going_to
from events.selectors import community_section
from events.services.erasure import erase_calendar_records
from events.services.rsvps import rsvps_erase
from profiles.extensions import (
    register_erasure,
    register_notice_subjects,
    register_personal_data,
    register_profile_section,
)

register_community_section(community_section)
register_profile_section(profile_going_to)
register_personal_data("events", events_personal_data)
register_erasure(rsvps_erase)
register_erasure(erase_calendar_records)
register_notice_subjects("events.event", permissions.readable_events)

register_feed_source(EVENTS_IN_FEED)

register_search_kind(EVENTS_IN_SEARCH)

register_digest_provider(EVENTS_IN_DIGESTS)
