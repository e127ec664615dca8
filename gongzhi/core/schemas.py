"""API schemas shared by every router."""

from ninja import Field, Schema


class ErrorOut(Schema):
    """The body of every refused API call (ApplicationError and malformed input alike)."""

    code: str = Field(..., description="机器可读的错误代码，例如 name_required、id_check")
    message: str = Field(..., description="给人看的说明（中文；Accept-Language: en 时为英文）")
    field: str | None = Field(None, description="出错的字段（如有）")


# The largest `offset` a list accepts: beyond it the database cannot count (2^63 overflows).
MAX_OFFSET = 2**31 - 1
