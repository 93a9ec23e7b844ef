"""What communities adds to a person's records through profiles.extensions (imported from apps.ready()):
the "Communities" section of a profile page, their conversations among "Recent contributions", the data
export and account erasure, and whether a notice may still be shown or emailed.

Registrations only, in this order (the export lists its parts in it): the reads are in
communities/selectors/profiles.py, the erasure in communities/services/erasure.py, the notice rules in
communities/permissions.py, and the member counts that follow a site admin deactivating, reactivating or
deleting someone in communities/receivers.py.
"""

from communities import permissions
from communities.providers.digests import COMMUNITIES_IN_DIGESTS, CONVERSATIONS_IN_DIGESTS
from communities.providers.feed import REPLIES_IN_FEED, THREADS_IN_FEED
from communities.providers.search import COMMUNITIES_IN_SEARCH, CONVERSATIONS_IN_SEARCH
from communities.selectors.profiles import (
    conversation_contributions,
    conversations_personal_data,
    personal_data,
    profile_communities,
)
from communities.services.erasure import erase_conversation_records, erase_memberships
from core.providers.digests import register_digest_provider, register_digest_scope
from core.providers.feed import register_feed_source
from core.providers.search import register_search_kind
from profiles.extensions import (
    register_contributions,
    register_erasure,
    register_notice_check,
    register_notice_subjects,
    register_personal_data,
    register_profile_section,
)

register_profile_section(profile_communities)
register_personal_data("communities", personal_data)
register_contributions(conversation_contributions)
register_personal_data("conversations", conversations_personal_data)
register_erasure(erase_memberships)
register_erasure(erase_conversation_records)
register_notice_check("community.", permissions.can_email_notice)
register_notice_subjects(
    "communities.community", permissions.visible_communities, always_kinds=permissions.OWN_STANDING_NOTICES
)
register_notice_subjects("communities.post", permissions.posts_named_in_notices)

register_feed_source(THREADS_IN_FEED)
register_feed_source(REPLIES_IN_FEED)

register_search_kind(CONVERSATIONS_IN_SEARCH)
register_search_kind(COMMUNITIES_IN_SEARCH)

register_digest_provider(CONVERSATIONS_IN_DIGESTS)
register_digest_scope(COMMUNITIES_IN_DIGESTS)
