import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
application = get_asgi_application()

from reviewapp.checks import refuse_to_serve_without_required_settings  # noqa: E402 - needs the settings

refuse_to_serve_without_required_settings()
