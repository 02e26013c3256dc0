"""The Celery app. Tasks live in screening/tasks.py and are found by autodiscovery; `celery -A reviewapp`
finds this module by its name."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")

app = Celery("reviewapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
