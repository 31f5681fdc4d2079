from django.urls import path

from ggzy.randomness import views

app_name = "randomness"

urlpatterns = [
    path("randomness/", views.draws, name="draws"),
    path("randomness/<uuid:draw_uid>/", views.draw, name="draw"),
]
