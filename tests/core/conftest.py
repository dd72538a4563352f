"""The core's tests run on the core as it is: never on modules compiled from other sources.

``sladesk.core`` already refuses such modules (it warns and runs the plain Python); here the
refusal stops the run, so that nobody believes the compiled core was tested when it was not."""

from __future__ import annotations

import pytest

from sladesk.core import compiled

if compiled.state.startswith("plain Python (stale"):
    raise pytest.UsageError(
        f"sladesk.core: {compiled.state[len('plain Python (') : -1]}. "
        "Run `make install` to compile the core again, or set SLADESK_CORE=python to test its plain Python."
    )
