"""Types and helpers shared by the API's schemas and routers."""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, StringConstraints

from pharmcrm.core.pagination import capped_count

# ids are 64-bit integers in both databases; bigger numbers are a 400, not a database error
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# small integers stored in 32-bit columns
SmallInt = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]

MAX_LIMIT = settings.PHARMCRM["LIST_MAX_PAGE_SIZE"]
DEFAULT_LIMIT = settings.PHARMCRM["LIST_PAGE_SIZE"]
MAX_OFFSET = 1_000_000_000


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL characters; refuse them as bad input instead of failing later
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed.")
    return value


def Text(max_length: int) -> Any:  # capitalised: reads like a type in the schemas
    """A string of at most ``max_length`` characters, without NUL characters."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_no_nul)]


class InSchema(Schema):
    """Base of request bodies: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class PageQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"page size, 1..{MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="rows to skip")


def paginate(qs: QuerySet, page: PageQuery) -> dict[str, Any]:
    """``{"items", "count", "count_exact"}``: two queries whatever the page size.

    Counting stops at the configured limit (``EXACT_COUNT_LIMIT``, 10,000 by default); beyond it
    ``count`` is that limit and ``count_exact`` is false ("more than 10,000").
    """
    items = list(qs[page.offset : page.offset + page.limit])
    counted = capped_count(qs)
    return {
        "items": items,
        "count": counted.value if counted.exact else counted.value - 1,
        "count_exact": counted.exact,
    }


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class DepartmentRef(Schema):
    id: int
    name: str
