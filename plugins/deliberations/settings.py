"""The plugin's settings: names, defaults and types, checked once when the build starts.

Every key here is documented in the README (a test fails otherwise).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .model import luhn_ok


class Collectivity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    short_name: str | None = None
    siren: Annotated[str, Field(pattern=r"^\d{9}$")]
    siret: Annotated[str, Field(pattern=r"^\d{14}$")]

    @field_validator("siret")
    @classmethod
    def _luhn(cls, v: str) -> str:
        if not luhn_ok(v):
            raise ValueError("fails the SIRET check digit (Luhn)")
        return v

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class License(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "Licence Ouverte 2.0"
    url: str = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


class SiteSettings(BaseModel):
    """The settings this project reads from ``pelicanconf.py`` (Pelican's own are left to it)."""

    model_config = ConfigDict(frozen=True)

    COLLECTIVITY: Collectivity
    BODIES: dict[str, str] = Field(min_length=1)
    SITEURL: str = ""
    SITENAME: str = "Délibérations"
    LICENSE: License = License()
    DELIBERATIONS_PATH: str = "deliberations"
    DOCUMENTS_PATH: str = "documents"
    DELIBERATIONS_PER_PAGE: int = Field(50, ge=1)
    FEED_MAX_ITEMS: int = Field(50, ge=1)
    FEED_AMOUNT_THRESHOLDS: list[Decimal] = [Decimal(100_000), Decimal(1_000_000)]
    SEARCH_INDEX: bool = True
    SEARCH_LOT_SIZE: int = Field(1250, ge=1)
    SEARCH_JOBS: int | None = Field(None, ge=1)
    SEARCH_CACHE_PATH: str | None = None
    BUILD_CACHE_PATH: str = ".cache"
    BUILD_JOBS: int = Field(0, ge=0)

    @field_validator("BODIES")
    @classmethod
    def _body_keys(cls, v: dict[str, str]) -> dict[str, str]:
        from .model import slugify

        for key in v:
            if slugify(key) != key:
                raise ValueError(f"body key {key!r} must be lowercase letters, digits and '-'")
        return v

    @field_validator("FEED_AMOUNT_THRESHOLDS")
    @classmethod
    def _thresholds(cls, v: list[Decimal]) -> list[Decimal]:
        # Each threshold names a feed file (montants/<threshold>.atom.xml): positive and distinct.
        if any(not t.is_finite() or t <= 0 for t in v):
            raise ValueError("amount thresholds must be positive numbers of euros, e.g. 1000000")
        if len({t.normalize() for t in v}) != len(v):
            raise ValueError("amount thresholds must be distinct")
        return sorted(v)


def defaults_for(given: set[str]) -> dict[str, Any]:
    """This project's defaults for the keys a settings file leaves out, where Pelican has
    a default of its own for the same key."""
    from pelican.settings import DEFAULT_CONFIG

    return {name: f.default for name, f in SiteSettings.model_fields.items()
            if name in DEFAULT_CONFIG and name not in given and not f.is_required()}


class SettingsError(Exception):
    exitcode = 1


def load(pelican_settings: dict[str, Any], source: str = "settings") -> SiteSettings:
    names = SiteSettings.model_fields
    try:
        return SiteSettings.model_validate({k: v for k, v in pelican_settings.items() if k in names})
    except ValidationError as e:
        lines = [
            f"{source}: {'.'.join(str(p) for p in err['loc'])}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in e.errors()
        ]
        raise SettingsError("\n".join(lines)) from None
