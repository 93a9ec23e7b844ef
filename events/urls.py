from django.urls import path

from events.views import calendar, pages

app_name = "events"

urlpatterns = [
    path("communities/<slug:slug>/events/<int:event_id>/", pages.event_detail, name="detail"),
    # Calendars (events/views/calendar.py).
    path("communities/<slug:slug>/events/<int:event_id>/event.ics", calendar.event_ics, name="ics"),
    path("events/feed/<str:token>.ics", calendar.personal_feed, name="feed"),
    path("settings/calendar/", calendar.calendar_settings, name="calendar-settings"),
]
