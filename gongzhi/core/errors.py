"""Application errors: a code, a translatable message, an HTTP status.

Services raise ApplicationError; the API handler turns it into a JSON body and the
page middleware into a message on the page. Nothing is changed when one is raised
inside a service (services run in a transaction).
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        message: Any,
        *,
        status: int | None = None,
        field: str | None = None,
        extra: dict | None = None,
    ):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra or {}
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": str(self.message)}
        if self.field:
            body["field"] = self.field
        if self.extra:
            body.update(self.extra)
        return body

    def __str__(self) -> str:
        return str(self.message)


class PermissionDenied(ApplicationError):
    status = 403

    def __init__(self, message: Any = None, code: str = "permission_denied"):
        from django.utils.translation import gettext

        super().__init__(code, message or gettext("您没有权限执行此操作。"))


class NotFound(ApplicationError):
    status = 404

    def __init__(self, message: Any = None, code: str = "not_found"):
        from django.utils.translation import gettext

        super().__init__(code, message or gettext("未找到该记录，或不在您的管辖范围内。"))


class ErrorCatalogue:
    """An app's error codes with their messages: `error = ErrorCatalogue(MESSAGES, AppError)`, then
    `raise error("code", n=3)`. Messages are lazy translations with %(name)s parameters; `statuses`
    gives the HTTP status of codes that are not a plain 400 (409 for a conflict with the current
    state, say)."""

    def __init__(
        self,
        messages: dict[str, Any],
        error_class: type[ApplicationError] = ApplicationError,
        *,
        statuses: dict[str, int] | None = None,
    ):
        self.messages = messages
        self.error_class = error_class
        self.statuses = statuses or {}

    def __call__(self, error_code: str, /, **params) -> ApplicationError:
        message = self.messages[error_code]
        if params:
            message = message % params
        return self.error_class(error_code, message, status=self.statuses.get(error_code))
