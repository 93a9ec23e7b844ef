"""What leaves events with a member's account (registered in events/extensions.py, run inside
profiles.services.user_erase's transaction), besides their replies (events.services.rsvps.rsvps_erase):
their secret calendar address and the record of the emails about events sent (or due) to them. The events
they organised stay, their organiser shown as "Former member" once profiles anonymises the user row."""

from events.models import CalendarFeed, EventEmail
from profiles.models import User


def erase_calendar_records(user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()
    EventEmail.objects.filter(user=user).delete()
