"""deorbit.reentry: reentry windows from TLE histories, their validation, catalogue screening."""

from deorbit.reentry.screening import ScreenHit, ScreenResult, parse_horizon, screen
from deorbit.reentry.validation import (
    Case,
    DecayCheck,
    Row,
    classify,
    discover,
    iss_decay_checks,
    run_validation,
    score,
    validate_case,
)
from deorbit.reentry.window import (
    DENSITY_SIGMA,
    DRAG_CHANGE_SIGMA,
    ReentryPrediction,
    environment_for,
    predict_reentry,
)

__all__ = [
    "DENSITY_SIGMA",
    "DRAG_CHANGE_SIGMA",
    "Case",
    "DecayCheck",
    "ReentryPrediction",
    "Row",
    "ScreenHit",
    "ScreenResult",
    "classify",
    "discover",
    "environment_for",
    "iss_decay_checks",
    "parse_horizon",
    "predict_reentry",
    "run_validation",
    "score",
    "screen",
    "validate_case",
]
