from django.urls import path

from ggzy.service import views

app_name = "service"

urlpatterns = [
    path("service/", views.hall, name="hall"),
    path("service/search/", views.search_page, name="search"),
    path("service/figures/", views.figures, name="figures"),
    path("service/ask/", views.ask, name="ask"),
    path("service/mine/", views.mine, name="mine"),
    path("service/rate/", views.rate, name="rate"),
    path("service/feedback/", views.feedback, name="feedback"),
    path("service/desk/", views.desk, name="desk"),
    path("service/desk/questions/log/", views.question_log, name="log"),
    path("service/desk/questions/<int:pk>/take/", views.question_take, name="take"),
    path("service/desk/questions/<int:pk>/hand-over/", views.question_hand_over, name="hand-over"),
    path("service/desk/questions/<int:pk>/answer/", views.question_answer, name="answer"),
    path("service/desk/questions/<int:pk>/faq/", views.faq_promote, name="faq"),
    path("service/desk/feedback/<int:pk>/answer/", views.feedback_answer, name="feedback-answer"),
    path("service/desk/ratings/<int:pk>/follow-up/", views.follow_up, name="follow-up"),
    path("service/desk/records/", views.record, name="record"),
    path("service/desk/self-evaluation/", views.self_evaluation, name="self-evaluation"),
]
