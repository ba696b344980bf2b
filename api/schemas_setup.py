"""What an owner sends to set up the organisation, checked the same way for forms and the API."""

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas import EMAIL

LOCATION_KINDS = ("counter", "table", "desk", "store", "room", "other")


class LocationIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    kind: str = Field(default="counter", pattern="^(" + "|".join(LOCATION_KINDS) + ")$")


class EmployeeIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    display_name: str = Field(min_length=1, max_length=80)
    role_title: str = Field(default="", max_length=80)
    email: str = Field(default="", max_length=254)
    location_ids: list[int] = Field(default_factory=list, description="Where they work")

    @field_validator("email")
    @classmethod
    def check_email(cls, value: str) -> str:
        if value and not EMAIL.match(value):
            raise ValueError("This email address does not look right.")
        return value


class CodeIn(BaseModel):
    """A code points at a location, an employee, or an employee at a location."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    label: str = Field(default="", max_length=120)
    location_id: int | None = None
    employee_id: int | None = None
