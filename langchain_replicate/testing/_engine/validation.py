"""Validating request bodies and model inputs with jsonschema (pure, no I/O).

Errors are mapped to the `invalid_fields` entries the real API returns (its
validator is gojsonschema, whose messages we copy): `required`, `enum`,
`invalid_type`, `additional_property_not_allowed`, `number_gte`, `number_lte`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from langchain_replicate.testing._engine.errors import InvalidField

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}


def request_body_schema(*, version: bool) -> dict[str, Any]:
    """The create-prediction body schema; `version` is required or forbidden."""
    properties: dict[str, Any] = {
        "input": {"type": "object"},
        "stream": {"type": "boolean"},
        "webhook": {"type": "string"},
        "webhook_completed": {"type": "string"},
        "webhook_events_filter": {
            "type": "array",
            "items": {"enum": ["start", "output", "logs", "completed"]},
        },
    }
    required = ["input"]
    if version:
        properties["version"] = {"type": "string"}
        required.append("version")
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def input_validator(
    input_schema: Mapping[str, Any], extra_schemas: Mapping[str, Any]
) -> Draft202012Validator:
    """A validator for a cog `Input` schema whose `$ref`s point at `extra_schemas`."""
    root = {
        "$ref": "#/components/schemas/Input",
        "components": {"schemas": {**extra_schemas, "Input": input_schema}},
    }
    return Draft202012Validator(root)


def validate(
    validator: Draft202012Validator, instance: object, *, prefix: str
) -> list[InvalidField]:
    """Validate `instance`; return its errors as `invalid_fields` entries.

    Args:
        validator: The validator to use.
        instance: The JSON value to check.
        prefix: Field path of `instance` itself (`"input"`, or `""` for a body).
    """
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    fields: list[InvalidField] = []
    for error in errors:
        fields.extend(_to_fields(error, prefix))
    return fields


def _field(prefix: str, path: Iterable[Any]) -> str:
    parts = [prefix] if prefix else []
    parts.extend(str(p) for p in path)
    return ".".join(parts)


def _name(prefix: str, path: list[Any]) -> str:
    return str(path[-1]) if path else (prefix or "(root)")


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _enum(error: ValidationError, name: str) -> InvalidField:
    allowed = ", ".join(json.dumps(v) for v in _values(error.validator_value))
    return InvalidField("enum", "", f"{name} must be one of the following: {allowed}")


def _type(error: ValidationError, name: str) -> InvalidField:  # noqa: ARG001 - table signature
    expected = error.validator_value
    if isinstance(expected, list):
        expected = "/".join(expected)
    given = _json_type(error.instance)
    return InvalidField(
        "invalid_type", "", f"Invalid type. Expected: {expected}, given: {given}"
    )


def _minimum(error: ValidationError, name: str) -> InvalidField:  # noqa: ARG001 - table signature
    return InvalidField(
        "number_gte", "", f"Must be greater than or equal to {error.validator_value}"
    )


def _maximum(error: ValidationError, name: str) -> InvalidField:  # noqa: ARG001 - table signature
    return InvalidField(
        "number_lte", "", f"Must be less than or equal to {error.validator_value}"
    )


_SINGLE: dict[str, Callable[[ValidationError, str], InvalidField]] = {
    "enum": _enum,
    "type": _type,
    "minimum": _minimum,
    "maximum": _maximum,
}


def _values(value: object) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, set, dict)) else []


def _to_fields(error: ValidationError, prefix: str) -> list[InvalidField]:
    path = list(error.absolute_path)
    field = _field(prefix, path)
    kind = str(error.validator)
    present = error.instance if isinstance(error.instance, dict) else {}
    if kind == "required":
        missing = [p for p in _values(error.validator_value) if p not in present]
        return [InvalidField("required", field, f"{p} is required") for p in missing]
    if kind == "additionalProperties":
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        known = schema.get("properties", {})
        return [
            InvalidField(
                "additional_property_not_allowed",
                field,
                f"Additional property {p} is not allowed",
            )
            for p in present
            if p not in known
        ]
    single = _SINGLE.get(kind)
    if single is None:
        return [InvalidField(kind, field, error.message)]
    made = single(error, _name(prefix, path))
    return [InvalidField(made.type, field, made.description)]


def with_defaults(
    input_schema: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    """`values` plus the schema's defaults for the properties not given."""
    filled = dict(values)
    for name, prop in input_schema.get("properties", {}).items():
        if name not in filled and isinstance(prop, Mapping) and "default" in prop:
            filled[name] = prop["default"]
    return filled
