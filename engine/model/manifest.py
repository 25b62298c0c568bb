"""The registry manifest (`manifest.yaml`), definition and publication forms."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from weavergen.model.base import Stability

# --- manifest -------------------------------------------------------------------------------------


class ManifestDependency(BaseModel):
    """A dependency of a registry: its schema URL and, optionally, where to find it."""

    model_config = ConfigDict(extra="ignore", strict=True)

    schema_url: str | None = Field(
        default=None, description="Schema URL of the dependency: http[s]://server[:port]/path/<version>."
    )
    name: str | None = Field(default=None, description="Legacy: the dependency's registry name.")
    registry_path: str | None = Field(
        default=None, description="Directory, archive, git URL or manifest path."
    )


class ManifestModel(BaseModel):
    """A definition manifest (`manifest.yaml`); unknown keys are ignored, as weaver does."""

    model_config = ConfigDict(extra="ignore", strict=True)

    schema_url: str | None = Field(
        default=None, description="Schema URL of this registry: http[s]://server[:port]/path/<version>."
    )
    description: str | None = Field(default=None, description="Markdown description of the registry.")
    stability: Stability = Field(default="development", description="The stability of this registry.")
    dependencies: list[ManifestDependency] = Field(
        default_factory=list, description="The registry's dependencies."
    )
    name: str | None = Field(default=None, description="Legacy: the registry name.")
    semconv_version: str | None = Field(default=None, description="Legacy: the registry version.")
    schema_base_url: str | None = Field(default=None, description="Legacy: the base of the schema URL.")
    file_format: str | None = Field(
        default=None, description="Absent in a definition manifest; `manifest/2.0` in a publication manifest."
    )
    resolved_registry_uri: str | None = Field(
        default=None, description="Publication manifest: where the `resolved/2.0` schema is, relative to it."
    )
    resolved_schema_uri: str | None = Field(
        default=None, description="Publication manifest: deprecated name of `resolved_registry_uri`."
    )

    @field_validator("semconv_version", mode="before")
    @classmethod
    def _numeric_version(cls, value: Any) -> Any:
        """weaver reads a legacy `semconv_version: 1.1` (a YAML number) as the text of that number."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value


MANIFEST_ADAPTER: TypeAdapter[ManifestModel] = TypeAdapter(ManifestModel)
