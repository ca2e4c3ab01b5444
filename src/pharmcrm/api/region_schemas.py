"""Schemas of the regions API."""

from __future__ import annotations

from ninja import Field, Schema

from pharmcrm.api.common import Text


class RegionOut(Schema):
    code: str = Field(description="GB/T 2260 code, 6 digits")
    name: str
    level: int = Field(description="1 province, 2 city, 3 county-level unit")
    parent_code: str | None = Field(description="null for a province")
    is_active: bool = Field(description="false for a code abolished since (kept: data refers to it)")
    leaf: bool = Field(description="no active region below it (a county, 东莞, 香港 ...)")
    label: str = Field(description="the full name, e.g. 浙江省 杭州市 西湖区")


class RegionDetailOut(RegionOut):
    path: list[RegionOut] = Field(description="from the province down to this region")


class RegionQuery(Schema):
    parent: Text(6) = Field("", description="the regions directly under this code; the provinces when empty")
    q: Text(30) = Field("", description="search by name instead (西湖区, 杭州), at most 20 results")
    include_inactive: bool = Field(False, description="also list abolished codes")
