"""What practice adds to the rest of the hub through profiles.extensions (imported from apps.ready()): the
"Practice shared" and "Practice repeated" sections of a council's page, a member's stories among "Recent
contributions", the data export, account erasure, and whether a notice about a story may still be shown.

Registrations only: the reads are in practice/selectors.py, each through practice.permissions.listed_stories
so a council page, a profile and the library show the same stories to the same viewer; the erasure is in
practice/services/erasure.py; the notice filter in practice/permissions.py; the endorsement counts that
follow a site admin deleting someone outright in practice/receivers.py.
"""

from core.providers.digests import register_digest_provider
from core.providers.feed import register_feed_source
from core.providers.search import register_search_kind
from practice import permissions
from practice.providers.digests import STORIES_IN_DIGESTS
from practice.providers.feed import PROMOTED_IN_FEED, PUBLISHED_IN_FEED, REPEATED_IN_FEED
from practice.providers.search import STORIES_IN_SEARCH
from practice.selectors import council_repeated, council_shared, practice_personal_data, story_contributions
from practice.services.erasure import erase_endorsements
from profiles.extensions import (
    register_contributions,
    register_council_section,
    register_erasure,
    register_notice_subjects,
    register_personal_data,
)

register_council_section(council_shared)
register_council_section(council_repeated)
register_contributions(story_contributions)
register_personal_data("practice", practice_personal_data)
register_notice_subjects("practice.practicestory", permissions.readable_stories)
register_erasure(erase_endorsements)

register_feed_source(PUBLISHED_IN_FEED)
register_feed_source(PROMOTED_IN_FEED)
register_feed_source(REPEATED_IN_FEED)

register_search_kind(STORIES_IN_SEARCH)

register_digest_provider(STORIES_IN_DIGESTS)
