"""``Server-Timing: app;dur=<ms>`` on every response: the time Django spent on the request.

Browsers show it in their developer tools, and ``bench/pages.py`` reads it to report server time apart
from the time a request waited for a free gunicorn worker (W3C Server Timing, https://www.w3.org/TR/server-timing/).
"""

from __future__ import annotations

import time


def server_timing_middleware(get_response):
    def middleware(request):
        started = time.perf_counter()
        response = get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    return middleware
