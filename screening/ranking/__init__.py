"""Priority screening: rank unscreened records by predicted relevance. Pure Python on
scikit-learn (imported inside the functions that use it): nothing here imports Django.

model: features, training, ranking, explanations; estimates: includes left and the stopping
hint; metrics: WSS, RRF, ATD; simulation: simulated screening of a labelled set and its
command-line report; stopping_simulation: simulation with the stopping rule and second look.
"""
from .estimates import RemainingEstimate, StoppingHint, estimate_remaining_includes, stopping_hint  # noqa: F401
from .metrics import atd, rrf, wss  # noqa: F401
from .model import (  # noqa: F401
    EXCLUDE_RATIO,
    SVM_C,
    Features,
    Model,
    Ranking,
    can_rank,
    explain,
    explain_rows,
    featurize,
    rank,
    record_text,
    svm_scores,
    train,
)
from .simulation import (  # noqa: F401
    SimulationResult,
    choose_priors,
    read_screening_csv,
    retrain_due,
    run_simulation_cli,
    simulate,
)
