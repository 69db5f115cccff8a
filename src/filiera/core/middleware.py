from filiera.core.audit import acting_as


class ActorMiddleware:
    """Attribute audited changes made during a request to the signed-in user; the attribution ends with the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            with acting_as(user):
                return self.get_response(request)
        with acting_as(None, label="anonymous"):
            return self.get_response(request)
