"""Response headers that Django does not set itself."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy: settings.PERMISSIONS_POLICY`` to every response (browser features such
    as the camera, microphone and location are switched off for every page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response
