from django.urls import path

from profiles.views import account, inbox, people, unsubscribe

app_name = "profiles"

urlpatterns = [
    path("people/", people.directory, name="people"),
    path("people/<str:handle>/", people.profile, name="profile"),
    path("people/<str:handle>/follow/", people.follow, name="follow"),
    path("people/<str:handle>/unfollow/", people.unfollow, name="unfollow"),
    path("people/<str:handle>/followers/", people.followers, name="followers"),
    path("people/<str:handle>/following/", people.following, name="following"),
    path("avatars/<str:handle>/<str:filename>", people.avatar, name="avatar"),
    path("councils/", people.councils, name="councils"),
    path("councils/<slug:slug>/", people.council, name="council"),
    path("settings/profile/", people.settings_profile, name="settings-profile"),
    path("notifications/", inbox.index, name="notifications"),
    path("notifications/read/", inbox.mark_all_read, name="notifications-read-all"),
    path("notifications/<int:notification_id>/read/", inbox.mark_read, name="notification-read"),
    path("unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
    path("settings/account/", account.index, name="settings-account"),
    path("settings/account/export/", account.export, name="settings-account-export"),
    path("settings/account/delete/", account.delete, name="settings-account-delete"),
]
