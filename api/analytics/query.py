"""The dashboard's query string, shared by the page, its CSV files and the API."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Depends, Query

from api.analytics.figures import FigureFilter
from api.web.ids import RowId

RangeName = Literal["7d", "30d", "quarter", "year", "custom"]


@dataclass(frozen=True)
class FigureQuery:
    range_name: str
    first: date | None
    last: date | None
    filters: FigureFilter

    def query_string(self, **extra: str) -> str:
        """The same choice as a query string (for the CSV links and the topics' links)."""
        pairs = [("range", self.range_name)]
        if self.range_name == "custom":
            pairs += [("from", str(self.first or "")), ("to", str(self.last or ""))]
        for name in ("location", "employee", "code"):
            value = getattr(self.filters, f"{name}_id")
            if value is not None:
                pairs.append((name, str(value)))
        return urlencode(pairs + list(extra.items()))


def read_query(
    range_: Annotated[
        RangeName,
        Query(alias="range", description="7d, 30d, quarter, year (ending today) or custom"),
    ] = "30d",
    from_: Annotated[date | None, Query(alias="from", description="custom: the first day")] = None,
    to: Annotated[date | None, Query(description="custom: the last day (inclusive)")] = None,
    location: Annotated[RowId | None, Query()] = None,
    employee: Annotated[RowId | None, Query()] = None,
    code: Annotated[RowId | None, Query()] = None,
) -> FigureQuery:
    return FigureQuery(
        range_name=range_,
        first=from_,
        last=to,
        filters=FigureFilter(location_id=location, employee_id=employee, code_id=code),
    )


FigureQueryDep = Annotated[FigureQuery, Depends(read_query)]
