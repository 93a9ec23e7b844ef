from django.contrib import admin
from django.urls import include, path

from khub import views
from khub.digests.views import digest, notification_settings
from khub.feed.views import home
from khub.search.views import search

admin.site.site_header = "Knowledge Hub administration"
admin.site.site_title = "Knowledge Hub admin"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("favicon.ico", views.favicon),
    path("settings/notifications/", notification_settings, name="notification-settings"),
    path("digests/<int:delivery_id>/", digest, name="digest"),
    path("search/", search, name="search"),
    path("markdown/preview/", views.markdown_preview, name="markdown-preview"),
    path("suggestions/dismiss/", views.suggestion_dismiss, name="suggestion-dismiss"),
    path("accounts/", include("allauth.urls")),
    path("", include("profiles.urls")),
    path("", include("events.urls")),
    path("", include("library.urls")),
    path("", include("ask.urls")),
    path("communities/", include("communities.urls")),
    path("practice/", include("practice.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "khub.views.permission_denied"
handler404 = "khub.views.page_not_found"
handler500 = "khub.views.server_error"
