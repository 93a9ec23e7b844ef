from django.urls import path

from communities.views import browse, conversations, manage, membership, moderation

app_name = "communities"
THREAD = "<slug:slug>/conversations/<int:thread_id>"
POST = f"{THREAD}/posts/<int:post_id>"

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
    path("<slug:slug>/manage/reports/", moderation.reports, name="manage-reports"),
    path(
        "<slug:slug>/manage/reports/<int:report_id>/dismiss/",
        moderation.report_dismiss,
        name="manage-report-dismiss",
    ),
    # Conversations.
    path("<slug:slug>/conversations/", conversations.index, name="threads"),
    path("<slug:slug>/conversations/new/", conversations.create, name="thread-create"),
    path(f"{THREAD}/", conversations.detail, name="thread"),
    path(f"{THREAD}/reply/", conversations.reply, name="reply"),
    path(f"{THREAD}/watch/", conversations.watch, name="thread-watch"),
    path(f"{THREAD}/moderate/", moderation.thread_action, name="thread-moderate"),
    path(f"{THREAD}/move/", moderation.move, name="thread-move"),
    path(f"{POST}/", conversations.permalink, name="post"),
    path(f"{POST}/edit/", conversations.edit, name="post-edit"),
    path(f"{POST}/delete/", conversations.delete, name="post-delete"),
    path(f"{POST}/history/", conversations.history, name="post-history"),
    path(f"{POST}/helpful/", conversations.helpful, name="post-helpful"),
    path(f"{POST}/answer/", conversations.answer, name="post-answer"),
    path(f"{POST}/report/", conversations.report, name="post-report"),
    path(f"{POST}/hide/", moderation.hide, name="post-hide"),
    path(f"{POST}/unhide/", moderation.unhide, name="post-unhide"),
]
