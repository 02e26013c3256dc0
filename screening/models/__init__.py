"""The screening app's models, one module per part of the pipeline."""
from .reviews import Invitation, Membership, Review, Role  # noqa: F401
from .jobs import Job  # noqa: F401
from .records import IdentifiedVia, Import, Record  # noqa: F401
from .pubmed import PubMedRun, PubMedSearch, PubMedSkip  # noqa: F401
from .decisions import (  # noqa: F401
    Decision, DecisionEvent, Outcome, Pilot, RecordStage, Stage, Verdict, RESOLVED_OUTCOMES,
)
from .dedup import DuplicateCandidate, Merge, MergeBatch, NoticeLink  # noqa: F401
from .priority import PriorityRank, PriorityRanking  # noqa: F401
from .fulltext import Report, Study  # noqa: F401
from .stopping import StopDecision  # noqa: F401
