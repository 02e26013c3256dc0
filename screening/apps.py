from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Importing the service modules registers their job handlers.
        from .services import dedup, imports, jobs, priority, pubmed, reviews  # noqa: F401
