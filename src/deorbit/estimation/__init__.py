"""deorbit.estimation: drag scale / ballistic coefficient fitted from a TLE history."""

from deorbit.estimation.drag_fit import (
    DragFit,
    FitError,
    MeanObservation,
    TooFewSetsError,
    fit_drag_scale,
    fit_from_elements,
    fitted_state_at,
    nominal_spacecraft,
    observations_from_elements,
    rejection_groups,
    shifted_start,
)
from deorbit.estimation.manoeuvres import (
    Manoeuvre,
    ManoeuvreReport,
    detect_in_series,
    detect_manoeuvres,
)

__all__ = [
    "DragFit",
    "FitError",
    "Manoeuvre",
    "ManoeuvreReport",
    "MeanObservation",
    "TooFewSetsError",
    "detect_in_series",
    "detect_manoeuvres",
    "fit_drag_scale",
    "fit_from_elements",
    "fitted_state_at",
    "nominal_spacecraft",
    "observations_from_elements",
    "rejection_groups",
    "shifted_start",
]
