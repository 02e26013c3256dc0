"""Thin Celery tasks: take ids, call a service."""
from celery import shared_task

from .services import jobs


@shared_task(acks_late=True)
def run_job(job_id):
    jobs.job_run(job_id=job_id)
