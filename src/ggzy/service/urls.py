from django.urls import path

from ggzy.service.views import asker, desk, public

app_name = "service"

urlpatterns = [
    path("service/", public.hall, name="hall"),
    path("service/search/", public.search_page, name="search"),
    path("service/figures/", public.figures, name="figures"),
    path("service/ask/", asker.ask, name="ask"),
    path("service/mine/", asker.mine, name="mine"),
    path("service/rate/", asker.rate, name="rate"),
    path("service/feedback/", asker.feedback, name="feedback"),
    path("service/desk/", desk.desk, name="desk"),
    path("service/desk/questions/log/", desk.question_log, name="log"),
    path("service/desk/questions/<uuid:question_uid>/take/", desk.question_take, name="take"),
    path("service/desk/questions/<uuid:question_uid>/hand-over/", desk.question_hand_over, name="hand-over"),
    path("service/desk/questions/<uuid:question_uid>/answer/", desk.question_answer, name="answer"),
    path("service/desk/questions/<uuid:question_uid>/faq/", desk.faq_promote, name="faq"),
    path("service/desk/feedback/<uuid:feedback_uid>/answer/", desk.feedback_answer, name="feedback-answer"),
    path("service/desk/ratings/<uuid:rating_uid>/follow-up/", desk.follow_up, name="follow-up"),
    path("service/desk/records/", desk.record, name="record"),
    path("service/desk/self-evaluation/", desk.self_evaluation, name="self-evaluation"),
]
