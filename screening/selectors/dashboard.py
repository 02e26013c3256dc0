"""The review dashboard: every section's numbers together, read for one member."""
from ..models import Role
from .dedup import dedup_dashboard, retraction_dashboard
from .fulltext import fulltext_dashboard
from .imports import import_summary
from .prisma import prisma_dashboard
from .pubmed import pubmed_summary
from .screening import screening_dashboard
from .stopping import stopping_dashboard


def dashboard_sections(review, membership):
    """Return the numbers the dashboard shows. Later stages extend this."""
    return {
        "member_count": review.memberships.active().count(),
        "recent_jobs": review.jobs.all()[:5] if membership.role == Role.LEAD else [],
        "import_summary": import_summary(review),
        **pubmed_summary(review),
        **screening_dashboard(review, membership),
        **dedup_dashboard(review),
        **retraction_dashboard(review, membership),
        **fulltext_dashboard(review, membership),
        **prisma_dashboard(review, membership),
        **stopping_dashboard(review, membership),
    }
