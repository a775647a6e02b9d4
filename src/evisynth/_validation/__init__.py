"""The one place where user-facing inputs are checked.

Every public function converts and checks its inputs through these helpers, so
that every :class:`~evisynth.errors.InputError` has the same shape: the argument
name, the study (index and label when known), what was wrong and what would be
right. One module per kind of input, every name re-exported here:

* :mod:`~evisynth._validation.messages`: how a message shows a value and a study;
* :mod:`~evisynth._validation.scalars`: single values (options, levels, controls);
* :mod:`~evisynth._validation.arrays`: per-study sequences (labels, vectors, tables);
* :mod:`~evisynth._validation.counts`: counts of ``escalc`` and the binary pools.
"""

from evisynth._validation.arrays import (
    FloatArray,
    _is_na,
    as_float_matrix,
    as_float_vector,
    as_labels,
    check_positive,
    check_same_length,
    first_true,
    reject_first,
)
from evisynth._validation.counts import (
    _NO_ADD_BY_DEFAULT,
    _TO,
    MAX_COUNT,
    _check_add_to,
    _check_counts,
    _check_group_size,
    _events_and_rest,
    _need,
    _two_by_two,
    _vectors,
)
from evisynth._validation.messages import MAX_ECHO, describe, fmt_num, shorten, study_name
from evisynth._validation.scalars import (
    MAXITER_MAX,
    TOL_RANGE,
    _not_a_number,
    _range_text,
    check_bool,
    check_choice,
    check_control,
    check_int,
    check_level,
    check_number,
    check_whole,
    number_from_text,
)

# Private names too: the modules that import them from here keep working.
__all__ = [
    "MAXITER_MAX",
    "MAX_COUNT",
    "MAX_ECHO",
    "TOL_RANGE",
    "_NO_ADD_BY_DEFAULT",
    "_TO",
    "FloatArray",
    "_check_add_to",
    "_check_counts",
    "_check_group_size",
    "_events_and_rest",
    "_is_na",
    "_need",
    "_not_a_number",
    "_range_text",
    "_two_by_two",
    "_vectors",
    "as_float_matrix",
    "as_float_vector",
    "as_labels",
    "check_bool",
    "check_choice",
    "check_control",
    "check_int",
    "check_level",
    "check_number",
    "check_positive",
    "check_same_length",
    "check_whole",
    "describe",
    "first_true",
    "fmt_num",
    "number_from_text",
    "reject_first",
    "shorten",
    "study_name",
]
