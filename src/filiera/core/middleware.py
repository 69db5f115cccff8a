from filiera.core.audit import set_actor


class ActorMiddleware:
    """Attribute audited changes made during a request to the signed-in user, and apply their language choice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        set_actor(request.user)
        return self.get_response(request)
