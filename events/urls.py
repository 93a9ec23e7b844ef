from django.urls import path

from events.views import calendar, editing, pages

app_name = "events"

EVENT = "communities/<slug:slug>/events/<int:event_id>/"

urlpatterns = [
    path("events/", pages.index, name="index"),
    path("communities/<slug:slug>/events/", pages.community_events, name="community"),
    path("communities/<slug:slug>/events/new/", editing.create, name="create"),
    path(EVENT, pages.event_detail, name="detail"),
    path(f"{EVENT}edit/", editing.edit, name="edit"),
    path(f"{EVENT}cancel/", editing.cancel, name="cancel"),
    path(f"{EVENT}notes/", editing.notes, name="notes"),
    path(f"{EVENT}rsvp/", pages.rsvp, name="rsvp"),
    path(f"{EVENT}going/", pages.going, name="going"),
    # Calendars (events/views/calendar.py).
    path("communities/<slug:slug>/events/<int:event_id>/event.ics", calendar.event_ics, name="ics"),
    path("events/feed/<str:token>.ics", calendar.personal_feed, name="feed"),
    path("settings/calendar/", calendar.calendar_settings, name="calendar-settings"),
]
