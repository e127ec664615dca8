"""API authentication: a browser session (with CSRF) or a bearer token."""

from ninja.security import HttpBearer, SessionAuth

from .tokens import api_token_user


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


api_auth = [SessionAuth(), TokenAuth()]
