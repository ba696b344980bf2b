"""What a sheet is asked for: its layout, its paper and which codes."""

from pydantic import BaseModel, Field

from api.web.ids import RowId
from qr.sheets import Layout, Paper


class SheetChoice(BaseModel):
    """A sheet to print. No location nor employee: every active code of the layout's kind
    (badges: employees' badge codes; tents, counter cards and posters: places' codes)."""

    layout: Layout
    paper: Paper = Paper.a4
    location_ids: list[RowId] = Field(default_factory=list, max_length=500)
    employee_ids: list[RowId] = Field(default_factory=list, max_length=500)
