"""What events add to the rest of the hub through the providers (imported from apps.ready()).

Registrations only: the reads are in events/selectors.py and events/providers/, each through
events.permissions so every surface shows the same events to the same viewer.
"""

from communities.sections import register_community_section
from events.selectors import community_section

register_community_section(community_section)
