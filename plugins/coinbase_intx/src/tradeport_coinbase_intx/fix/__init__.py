"""The FIX drop-copy session (``CBINTLDC``): execution reports as order events and fills.

:mod:`.session` is the session (the core's FIX session layer with the venue's signed Logon, on
the core's TLS stream transport); :mod:`.messages` turns ExecutionReports (35=8) into
tradeport's reports and builds them for the mock venue.
"""
