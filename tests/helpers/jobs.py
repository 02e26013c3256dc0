"""A job kind that exists only in tests: counting, to show that a job runs and reports progress
without the cost of a real import or ranking."""
import time

TEST_JOB_KINDS = {"count_to": "tests.helpers.jobs.count_to"}


def count_to(job, progress):
    """Count to `steps`, one progress report per step."""
    steps = int(job.params.get("steps", 5))
    delay = float(job.params.get("delay", 0.2))
    progress(0, total=steps, message="Counting…", force=True)
    for step in range(1, steps + 1):
        time.sleep(delay)
        progress(step, total=steps, message=f"Step {step} of {steps}", force=True)
    return {"message": f"The worker counted to {steps}.", "steps": steps}
