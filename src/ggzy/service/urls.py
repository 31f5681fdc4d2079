from django.urls import path

from ggzy.service.views import asker, centre, desk, public

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
    path("service/desk/guides/", centre.guides, name="guides"),
    path("service/desk/guides/new/", centre.guide_new, name="guide-new"),
    path("service/desk/guides/<uuid:guide_uid>/", centre.guide_edit, name="guide-edit"),
    path("service/desk/guides/<uuid:guide_uid>/publish/", centre.guide_publish, name="guide-publish"),
    path("service/desk/guides/<uuid:guide_uid>/withdraw/", centre.guide_withdraw, name="guide-withdraw"),
    path("service/desk/commitments/", centre.commitments, name="commitments"),
    path("service/desk/commitments/new/", centre.commitment_new, name="commitment-new"),
    path("service/desk/commitments/<uuid:commitment_uid>/", centre.commitment_edit, name="commitment-edit"),
    path(
        "service/desk/commitments/<uuid:commitment_uid>/publish/",
        centre.commitment_publish,
        name="commitment-publish",
    ),
    path(
        "service/desk/commitments/<uuid:commitment_uid>/withdraw/",
        centre.commitment_withdraw,
        name="commitment-withdraw",
    ),
    path("service/desk/technical/", centre.technical, name="technical"),
    path("service/desk/technical/designate/", centre.technical_designate, name="technical-designate"),
    path("service/desk/technical/remove/", centre.technical_remove, name="technical-remove"),
]
