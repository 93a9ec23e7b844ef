from django.urls import path

from ask import views

app_name = "ask"

QUESTION = "ask/<int:question_id>/"

urlpatterns = [
    # Ask (ask/views): the form, the "Has this been answered already?" lookup as the title is typed (htmx;
    # without JavaScript the form's "Check for answers" button shows the same), and who to ask.
    path("ask/", views.ask, name="ask"),
    path("ask/similar/", views.similar, name="similar"),
    path(f"{QUESTION}people/", views.people, name="people"),
    # Someone asked: answer (on the thread page), pass ("not me") or suggest someone else.
    path(f"{QUESTION}pass/", views.pass_question, name="pass"),
    path(f"{QUESTION}suggest/", views.suggest, name="suggest"),
]
