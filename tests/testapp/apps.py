from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.testapp"
    label = "testapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ggzy.events import embargo

        embargo.register(embargo.EmbargoKind("testapp.opening", "testapp.SealedThing", "code", "opens_at"))
