import datetime as dt

from django.urls import path, register_converter

from ggzy.analytics import views

app_name = "analytics"


class MonthConverter:
    """A calendar month as `yyyy-mm` (2026-03), given to the view as its first day; a month that cannot
    exist (2026-13, 0000-01) matches no page: 404."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> dt.date:
        year, month = value.split("-")
        return dt.date(int(year), int(month), 1)  # ValueError: no such month, no match

    def to_url(self, value: dt.date | str) -> str:
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return f"{self.to_python(value):%Y-%m}"


register_converter(MonthConverter, "month")

urlpatterns = [
    path("disclosure/", views.index, name="index"),
    path("disclosure/<month:month>/", views.month, name="month"),
    path("disclosure/<month:month>.csv", views.month_csv, name="csv"),
]
