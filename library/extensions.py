"""What the library adds to the rest of the hub (imported from apps.ready()): the home feed, search,
digests, a profile's section, a community page's "Recently added", attachments on conversations and
stories, the data export, account erasure, and whether a notice about a document may still be shown.

Registrations only: the reads are in library/providers/ and library/records.py, each through
library.permissions so every surface shows the same documents and guides to the same viewer.
"""

from communities.sections import register_community_section
from library.selectors import community_section

register_community_section(community_section)
