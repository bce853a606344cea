"""Request ids: every request gets one (or keeps a sane ``X-Request-ID`` sent by the proxy in front), it is
on every log record written while the request is served and in the response's ``X-Request-ID`` header;
one access line per request (``mengkeju.request``: method, path, status, duration_ms)."""

import logging
import time
import uuid

from mengkeju.lib.logs import SANE_ID, request_id_var

HEADER = "X-Request-ID"
# what we accept from a proxy: SANE_ID, letters, digits and . _ - only, 8 to 64 (anything else is replaced)
__all__ = ["HEADER", "SANE_ID", "RequestIdMiddleware"]

access_log = logging.getLogger("mengkeju.request")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)
