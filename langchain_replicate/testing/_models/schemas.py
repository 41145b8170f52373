"""The schema DSL of the reference catalogue: one `In` row per cog input.

A model's `Input` schema is a list of `In` rows (the row's position is its
`x-order`); `reference_model` turns the rows, an output schema and a predictor
into a `ReferenceModel`. The output schemas cog emits (`TEXT_ITERATOR`,
`FILE_LIST`, `ONE_FILE`, `STRING`) and rows many models share (`SEED`) live here too.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_replicate.testing._models.reference import ReferenceModel

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_replicate.testing._models.reference import Predict

_NO_DEFAULT: Any = object()


@dataclass(frozen=True)
class In:
    """One input of a cog `Input` schema; `x-order` is its position in the list."""

    name: str
    type: str = "string"
    default: Any = _NO_DEFAULT
    description: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    """Make it an enum: `allOf: [$ref]` plus a component schema named after it."""
    inline_enum: bool = False
    """Write the enum in the property itself (`enum`, `type`, `title`: the
    lowercase name), as older cog versions did (whisper's live schema)."""
    format: str | None = None
    items: Mapping[str, Any] | None = None
    required: bool = False
    nullable: bool = False
    """`X | None` in cog: `nullable: true` (and no default when it is `None`)."""
    secret: bool = False
    """A `cog.Secret`: `format: password`, `writeOnly`, `x-cog-secret`; the
    server redacts its value in the prediction it shows."""

    def schema(self, order: int) -> dict[str, Any]:
        """This input's property in the `Input` schema, at position `order`."""
        prop: dict[str, Any]
        if self.choices and self.inline_enum:
            prop = {"enum": list(self.choices), "type": self.type, "title": self.name}
        elif self.choices:
            prop = {"allOf": [{"$ref": f"#/components/schemas/{self.name}"}]}
        else:
            prop = {"type": self.type, "title": self.name.replace("_", " ").title()}
        if self.secret:
            prop.update({"format": "password", "writeOnly": True})
        extras = {
            "format": self.format,
            "items": self.items,
            "description": self.description,
            "minimum": self.minimum,
            "maximum": self.maximum,
        }
        prop.update({key: value for key, value in extras.items() if value is not None})
        if self.nullable:
            prop["nullable"] = True
        if self.default is not _NO_DEFAULT:
            prop["default"] = self.default
        prop["x-order"] = order
        if self.secret:
            prop["x-cog-secret"] = True
        return prop


def _input_schema(inputs: Sequence[In]) -> dict[str, Any]:
    """The `Input` schema: the rows in order, those without a default `required`."""
    schema: dict[str, Any] = {"type": "object", "title": "Input"}
    required = [row.name for row in inputs if row.required]
    if required:
        schema["required"] = required
    schema["properties"] = {row.name: row.schema(i) for i, row in enumerate(inputs)}
    return schema


def _enum_schemas(inputs: Sequence[In]) -> dict[str, Any]:
    """The enum component schemas the rows with `choices` refer to."""
    return {
        row.name: {
            "title": row.name,
            "description": "An enumeration.",
            "enum": list(row.choices),
            "type": "string",
        }
        for row in inputs
        if row.choices and not row.inline_enum
    }


TEXT_ITERATOR = {
    "type": "array",
    "items": {"type": "string"},
    "title": "Output",
    "x-cog-array-type": "iterator",
    "x-cog-array-display": "concatenate",
}
FILE_LIST = {
    "type": "array",
    "items": {"type": "string", "format": "uri"},
    "title": "Output",
}
ONE_FILE = {"type": "string", "format": "uri", "title": "Output"}
STRING = {"type": "string", "title": "Output"}


def reference_model(
    ref: str,
    inputs: Sequence[In],
    output: Mapping[str, Any],
    predict: Predict,
    *,
    description: str,
    version: str | None = None,
    official: bool = False,
    cog_version: str = "0.9.4",
    created_at: str = "2024-04-17T21:58:45.000000Z",
    run_count: int = 0,
    cold_start: bool = False,
    counts_tokens: bool = True,
    tags: tuple[str, ...] = (),
    github_url: str | None = None,
    paper_url: str | None = None,
    license_url: str | None = None,
) -> ReferenceModel:
    """A `ReferenceModel` from `owner/name`, its input rows and output.

    Without a `version`, the test models get the SHA-256 of their `owner/name`.
    """
    owner, name = ref.split("/")
    return ReferenceModel(
        owner=owner,
        name=name,
        version=version or hashlib.sha256(ref.encode()).hexdigest(),
        description=description,
        input_schema=_input_schema(inputs),
        output_schema=copy.deepcopy(dict(output)),
        extra_schemas=_enum_schemas(inputs),
        predict=predict,
        official=official,
        cog_version=cog_version,
        created_at=created_at,
        run_count=run_count,
        cold_start=cold_start,
        counts_tokens=counts_tokens,
        tags=tags,
        github_url=github_url,
        paper_url=paper_url,
        license_url=license_url,
    )


SEED = In(
    "seed", "integer", description="Random seed. Leave blank to randomize the seed"
)
"""The `seed` row of most cog models."""
