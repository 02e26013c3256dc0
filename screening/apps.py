from django.apps import AppConfig
from django.core import checks


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from reviewapp.checks import required_settings

        checks.register(required_settings)
