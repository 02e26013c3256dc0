"""Import reads."""
from django.db.models import Count

from ..models import Import


def import_summary(review):
    """Records per database for the dashboard. The same numbers feed PRISMA's identification box."""
    per_database = list(
        review.imports.filter(status=Import.Status.IMPORTED).values("database")
        .annotate(n=Count("records")).order_by("database")
    )
    return {
        "record_count": sum(row["n"] for row in per_database),
        "import_count": review.imports.filter(status=Import.Status.IMPORTED).count(),
        "per_database": per_database,
    }
