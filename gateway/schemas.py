"""API shapes of the gateway: users, the caller, API keys, tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from kelisim.auth import REGIONAL_ROLES
from kelisim.inputs import Email, Input, Line
from kelisim.regions import is_region

Role = Literal[
    "admin", "coordinator", "mediator", "council_secretary", "council_member", "liaison", "analyst"
]
Lang = Literal["kk", "ru", "en"]
USERNAME = r"^[a-z0-9][a-z0-9_.-]{1,63}$"
# SQLite returns naive datetimes: they were stored as UTC.
Stamp = Annotated[datetime, AfterValidator(lambda d: d if d.tzinfo else d.replace(tzinfo=UTC))]


def _regions(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    unknown = sorted({r for r in value if not is_region(r)})
    if unknown:
        raise ValueError(f"unknown region codes (ISO 3166-2:KZ): {', '.join(unknown)}")
    return sorted(set(value))


REGION_REQUIRED = "region_required"
REGION_REQUIRED_TEXT = "A mediator, coordinator or liaison works in at least one region."


def _regional(value: list[str], info: ValidationInfo) -> list[str]:
    """A regional role needs a region: an account without one must not read as every region."""
    if not value and REGIONAL_ROLES.intersection(info.data.get("roles") or ()):
        raise PydanticCustomError(REGION_REQUIRED, REGION_REQUIRED_TEXT)
    return value


def _unique(value: list[str] | None) -> list[str] | None:
    return None if value is None else sorted(set(value))


class UserBase(Input):
    full_name: Line = Field(min_length=1, max_length=200)
    email: Email | None = None
    lang: Lang = "kk"
    email_digest: bool = False
    roles: list[Role] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list, validate_default=True)
    councils: list[str] = Field(default_factory=list)

    _check_regions = field_validator("regions")(_regions)
    _check_regional = field_validator("regions")(_regional)
    _check_roles = field_validator("roles", "councils")(_unique)


class UserCreate(UserBase):
    username: str = Field(pattern=USERNAME)
    password: str = Field(min_length=1, max_length=1024)


class UserUpdate(Input):
    """A partial change: only the fields given are changed."""

    full_name: Line | None = Field(default=None, min_length=1, max_length=200)
    email: Email | None = None
    lang: Lang | None = None
    email_digest: bool | None = None
    roles: list[Role] | None = None
    regions: list[str] | None = None
    councils: list[str] | None = None
    active: bool | None = None

    _check_regions = field_validator("regions")(_regions)
    _check_roles = field_validator("roles", "councils")(_unique)


class MeUpdate(Input):
    """What a person changes on their own account; roles, scopes and the rest are the admin's."""

    lang: Lang | None = None
    email_digest: bool | None = Field(
        default=None,
        description="One e-mail folding the notices instead of one e-mail per notice.",
    )


class PasswordReset(Input):
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(Input):
    """A person's change of their own password: the current one proves it is them."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class UserPublic(BaseModel):
    id: str
    username: str
    full_name: str
    email: str | None
    lang: str
    email_digest: bool = False
    active: bool
    roles: list[str]
    regions: list[str]
    councils: list[str]
    locked_until: Stamp | None = None
    created_at: Stamp
    updated_at: Stamp


class Me(UserPublic):
    authenticated_by: Literal["bearer", "api_key", "session"]


class ApiKeyCreate(Input):
    name: Line = Field(min_length=1, max_length=100)


class ApiKeyPublic(BaseModel):
    id: str
    name: str
    prefix: str
    created_at: Stamp
    last_used_at: Stamp | None
    revoked_at: Stamp | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The key itself; shown only in this answer.")


class AccessToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class SessionPublic(BaseModel):
    id: str
    address: str
    created_at: Stamp
    expires_at: Stamp
    current: bool = Field(default=False, description="The session this request came with.")


class SessionsEnded(BaseModel):
    ended: int = Field(description="How many web sessions were ended.")
