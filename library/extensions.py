"""What the library adds to the rest of the hub (imported from apps.ready()): the home feed, search,
digests, a profile's section, a community page's "Recently added", attachments on conversations and
stories, the data export, account erasure, and whether a notice about a document may still be shown.

Registrations only: the reads are in library/providers/ and library/records.py, each through
library.permissions so every surface shows the same documents and guides to the same viewer.
"""

from communities.sections import register_community_section
from core.providers.attachments import register_attachments
from core.providers.digests import register_digest_provider
from core.providers.feed import register_feed_source
from core.providers.search import register_search_kind
from library.providers.attachments import attachments_block
from library.providers.digests import LIBRARY_IN_DIGESTS
from library.providers.feed import LIBRARY_IN_FEED
from library.providers.search import LIBRARY_IN_SEARCH
from library.records import library_personal_data, profile_uploads
from library.selectors import community_section
from library.services.erasure import library_erase
from profiles.extensions import register_erasure, register_personal_data, register_profile_section

register_community_section(community_section)
register_profile_section(profile_uploads)
register_personal_data("library", library_personal_data)
register_erasure(library_erase)

register_feed_source(LIBRARY_IN_FEED)

register_search_kind(LIBRARY_IN_SEARCH)

register_digest_provider(LIBRARY_IN_DIGESTS)

register_attachments(attachments_block)
