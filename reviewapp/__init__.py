# The Celery app is reviewapp/celery.py (`celery -A reviewapp` finds it there). It is not imported
# here: the web process and commands load Celery only when they enqueue a job (screening/tasks.py).
