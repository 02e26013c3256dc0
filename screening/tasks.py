"""Thin Celery tasks: take ids, call a service.

Bound to the app's Celery instance by name, so the web process loads Celery only when it first
enqueues a job (job_create imports this module then), not at start-up."""
from reviewapp.celery import app

from .services import jobs


@app.task(acks_late=True)
def run_job(job_id):
    jobs.job_run(job_id=job_id)
