import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
application = get_wsgi_application()

from reviewapp.checks import refuse_to_serve_without_required_settings  # noqa: E402 - needs the settings

refuse_to_serve_without_required_settings()
