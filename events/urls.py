from django.urls import path

from events.views import pages

app_name = "events"

urlpatterns = [
    path("communities/<slug:slug>/events/<int:event_id>/", pages.event_detail, name="detail"),
]
