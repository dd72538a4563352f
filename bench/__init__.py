"""sladesk benchmarks: ``make bench`` (``python -m bench``) from the repository root.

Four measurements, each on the same inputs for sladesk and its peers:

1. deadlines (business time added to an aware datetime) against pandas'
   ``CustomBusinessHour`` and django-bizcal, and whether the three agree;
2. elapsed business time between two instants against django-bizcal;
3. recomputing a million open deadlines with the numpy path after a holiday
   is added to the calendar;
4. ``sladesk sla replay --batch`` timelines per second, end to end, through
   the real console script.

Every function takes its sizes as arguments, so ``tests/test_bench_smoke.py``
can run each one on a tiny input.
"""
