def navigation(request):
    """Role flags for the navigation bar (one place, so templates don't repeat the rules)."""
    user = request.user
    if not user.is_authenticated:
        return {"nav": {}}
    roles = user.roles
    return {
        "nav": {
            "enterprise": "enterprise" in roles,
            "researcher": "researcher" in roles,
            "broker": user.is_broker,
            "admin": user.is_platform_admin,
        }
    }
