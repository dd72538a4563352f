"""The pure core: policy file, business calendar and SLA clocks.

Nothing here imports Django (a test keeps it that way). Aware datetimes and
durations go in, plain values come out. Instants are handled internally as
integer microseconds since the Unix epoch (UTC), so that comparisons such as
"stopped at or before the deadline" are exact.

The hot modules may run compiled (``compiled.py``): only when built from these very files.
"""

from sladesk.core.compiled import use

use(__path__)
