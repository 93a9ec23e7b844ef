from django.urls import path

from communities.views import browse, manage, membership

app_name = "communities"

urlpatterns = [
    path("", browse.index, name="index"),
    path("new/", browse.create, name="create"),
    path("<slug:slug>/", browse.detail, name="detail"),
    path("<slug:slug>/members/", browse.members, name="members"),
    # Membership: POST only.
    path("<slug:slug>/join/", membership.join, name="join"),
    path("<slug:slug>/join/withdraw/", membership.withdraw, name="withdraw"),
    path("<slug:slug>/leave/", membership.leave, name="leave"),
    path("<slug:slug>/invitation/accept/", membership.invitation_accept, name="invitation-accept"),
    path("<slug:slug>/invitation/decline/", membership.invitation_decline, name="invitation-decline"),
    # Facilitators.
    path("<slug:slug>/manage/", manage.index, name="manage"),
    path("<slug:slug>/manage/settings/", manage.settings, name="manage-settings"),
    path("<slug:slug>/manage/requests/<int:user_id>/", manage.decide_request, name="manage-request"),
    path("<slug:slug>/manage/invite/", manage.invite, name="manage-invite"),
    path("<slug:slug>/manage/members/", manage.members, name="manage-members"),
    path("<slug:slug>/manage/members/<int:user_id>/", manage.member_action, name="manage-member"),
    path("<slug:slug>/manage/log/", manage.log, name="manage-log"),
]
