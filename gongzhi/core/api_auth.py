"""API authentication: a bearer token, else the browser session (CSRF-checked).

The token is tried first, so that a token client is never asked for a CSRF token; the
session check applies only when there is a session user, so an anonymous caller gets 401.
"""

from ninja.security import HttpBearer, SessionAuth

from .tokens import api_token_user


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


api_auth = [TokenAuth(), BrowserSessionAuth()]
