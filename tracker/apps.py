from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Care workflow"

    def ready(self) -> None:
        from tracker import second_factor  # noqa: F401  (connects its login and logout signals)
