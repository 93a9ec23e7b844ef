from django.urls import path

from practice.views import library, recognition, stories, writing

app_name = "practice"

urlpatterns = [
    path("", library.index, name="index"),
    path("new/", writing.create, name="create"),
    path("mine/", library.mine, name="mine"),
    path("<slug:slug>/", stories.detail, name="detail"),
    path("<slug:slug>/edit/", writing.edit, name="edit"),  # to the task list
    path("<slug:slug>/write/", writing.write, name="write"),
    path("<slug:slug>/write/<slug:step>/", writing.write_step, name="write-step"),
    path("<slug:slug>/check/", writing.check, name="check"),
    path("<slug:slug>/preview/", stories.preview, name="preview"),
    path("<slug:slug>/publish/", stories.publish, name="publish"),
    path("<slug:slug>/archive/", stories.archive, name="archive"),
    path("<slug:slug>/audience/", stories.audience, name="audience"),
    # What others do with it: POST only, except the forms that need their own page without JavaScript.
    path("<slug:slug>/endorse/", recognition.endorse, name="endorse"),
    path("<slug:slug>/endorse/withdraw/", recognition.endorse_withdraw, name="endorse-withdraw"),
    path("<slug:slug>/promote/", recognition.promote, name="promote"),
    path("<slug:slug>/promote/withdraw/", recognition.promote_withdraw, name="promote-withdraw"),
    path("<slug:slug>/repeated/", recognition.adopt, name="adopt"),
    path(
        "<slug:slug>/repeated/<int:adoption_id>/withdraw/",
        recognition.adoption_withdraw,
        name="adoption-withdraw",
    ),
]
