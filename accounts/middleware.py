from django.utils import translation


class PreferredLanguageMiddleware:
    """A signed-in person sees the interface in their preferred language, on every device.

    Runs after AuthenticationMiddleware; anonymous visitors keep LocaleMiddleware's choice
    (language cookie, then the browser's Accept-Language).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
