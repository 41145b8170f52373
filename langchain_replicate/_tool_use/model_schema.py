"""A model's cog input schema → typed, validated tool arguments (a pydantic model).

Pure (no I/O). A Replicate model version describes its inputs in
`openapi_schema.components.schemas.Input`, written by cog:

* enums are `allOf: [{"$ref": "#/components/schemas/<name>"}]` with the values
  in a sibling component (or, in some live schemas, inlined as `enum`); both
  become a `Literal` (dereferenced with langchain-core's `dereference_refs`);
* `minimum`/`maximum`, `minLength`/`maxLength`/`pattern` become pydantic
  constraints; `default` the field's default; `description` its description;
  `x-order` the order of the fields;
* `required` inputs are required; an input with no default that is not
  required (cog's `seed`: `Input(default=None)`) may be left out: its field
  defaults to `None`, which is never sent, and the JSON schema shows only its
  type (`SkipJsonSchema`); `nullable: true` is `T | None`;
* `format: uri` inputs are files: a URL, a `data:` URI, or (when the
  developer allows a directory) a local path, uploaded by the core;
* secret inputs (`x-cog-secret`, `format: password`) are never arguments: the
  developer sets them (`secret_inputs`).

`ModelArgs.build` makes the arguments model (`args_schema`) of the inputs a
tool exposes (all but secrets, the developer's fixed `model_kwargs`, and those
left out by `include`/`exclude`), with `extra="forbid"` so an unknown argument
is refused by name. `ModelArgs.check_fixed` validates the fixed inputs the same
way, when the tool is built; `ModelArgs.file_inputs` reads the file values of
an input (URLs, data URIs, allowed local paths) before any upload.
`validation_message` turns a pydantic error into one line per argument, never
quoting a value.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from langchain_core.utils.json_schema import dereference_refs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
)
from pydantic.json_schema import SkipJsonSchema

from langchain_replicate._inputs.uploads import file_input
from langchain_replicate.errors import ReplicateInputError

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from pathlib import Path

    from pydantic.fields import FieldInfo

    from langchain_replicate._inputs.schema import InputSchema
    from langchain_replicate._inputs.uploads import FileInput

__all__ = [
    "FILE_HINT",
    "InputSpec",
    "ModelArgs",
    "is_secret",
    "resolve",
    "validation_message",
]

FILE_HINT = "A URL (https://...) or a data: URI."
"""Appended to a file input's description."""

LOCAL_FILE_HINT = "A URL (https://...), a data: URI, or the path of a local file."
"""Appended when the developer allows local files."""

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_UNORDERED = 1_000_000


def resolve(spec: Mapping[str, Any], components: Mapping[str, Any]) -> dict[str, Any]:
    """One property with its `$ref`s inlined and cog's one-item `allOf` merged.

    The property's own keys (`default`, `description`, `x-order`) win over the
    referenced component's (whose description is cog's "An enumeration.").

    Args:
        spec: The property's schema.
        components: `components.schemas` of the version.

    Returns:
        A self-contained schema.
    """
    try:
        full = dereference_refs(
            dict(spec), full_schema={"components": {"schemas": dict(components)}}
        )
    except KeyError:  # a `$ref` to a component the schema lacks: untyped
        full = {k: v for k, v in spec.items() if k not in {"allOf", "$ref"}}
    parts = full.pop("allOf", None)
    if isinstance(parts, list) and all(isinstance(p, Mapping) for p in parts):
        merged: dict[str, Any] = {}
        for part in parts:
            merged.update(part)
        merged.pop("title", None)
        if merged.get("description") == "An enumeration.":
            merged.pop("description")
        full = {**merged, **full}
    return full


def is_secret(spec: Mapping[str, Any]) -> bool:
    """Whether an input is a secret (cog `Secret`: `x-cog-secret`, `password`)."""
    return bool(spec.get("x-cog-secret")) or spec.get("format") == "password"


def file_kind(spec: Mapping[str, Any]) -> Literal["one", "many"] | None:
    """`one` for a `format: uri` string, `many` for an array of them."""
    if spec.get("type") == "array":
        items = spec.get("items")
        if isinstance(items, Mapping) and items.get("format") == "uri":
            return "many"
        return None
    return "one" if spec.get("format") == "uri" else None


_SCALARS: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "object": dict[str, Any],
}


def _base_type(spec: Mapping[str, Any]) -> Any:  # noqa: ANN401 - a type expression
    """The Python type of a JSON schema (no type, as cog's `Any`: `Any`)."""
    enum = spec.get("enum")
    if isinstance(enum, list) and enum:
        return Literal[tuple(enum)]
    kind = spec.get("type")
    if kind == "array":
        items = spec.get("items")
        item: Any = _base_type(items) if isinstance(items, Mapping) else Any
        return list[item]
    return _SCALARS.get(str(kind), Any)


def _constraints(spec: Mapping[str, Any]) -> dict[str, Any]:
    names = {
        "minimum": "ge",
        "maximum": "le",
        "exclusiveMinimum": "gt",
        "exclusiveMaximum": "lt",
        "minLength": "min_length",
        "maxLength": "max_length",
        "minItems": "min_length",
        "maxItems": "max_length",
        "pattern": "pattern",
    }
    found = {
        kw: spec[key]
        for key, kw in names.items()
        if key in spec and not isinstance(spec[key], bool)
    }
    if "pattern" in found and not _compiles(found["pattern"]):
        del found["pattern"]
    return found


def _compiles(pattern: object) -> bool:
    try:
        TypeAdapter(Annotated[str, Field(pattern=cast("str", pattern))])
    except Exception:  # noqa: BLE001 - pydantic's regex engine refuses it
        return False
    return True


@dataclass(frozen=True)
class InputSpec:
    """One model input, dereferenced."""

    name: str
    schema: Mapping[str, Any]
    required: bool
    order: int

    @property
    def secret(self) -> bool:
        """Never an argument (see `is_secret`)."""
        return is_secret(self.schema)

    @property
    def file(self) -> Literal["one", "many"] | None:
        """Whether it takes a file or a list of files (see `file_kind`)."""
        return file_kind(self.schema)

    @property
    def has_default(self) -> bool:
        """Whether the schema gives a default."""
        return "default" in self.schema

    def annotation(self) -> Any:  # noqa: ANN401 - a type expression
        """The field's type, with its constraints."""
        base = _base_type(self.schema)
        constraints = _constraints(self.schema)
        if constraints:
            base = Annotated[base, Field(**constraints)]
        if self.schema.get("nullable"):
            return base | None
        return base

    def field(
        self, *, local_files: bool, alias: str | None = None
    ) -> tuple[Any, FieldInfo]:
        """The `create_model` definition: (type, `Field`), under `alias` if given."""
        description = str(self.schema.get("description") or "").strip()
        if self.file:
            hint = LOCAL_FILE_HINT if local_files else FILE_HINT
            if accept := self.schema.get("x-cog-accept"):
                hint = f"{hint} Accepts {accept}."
            description = f"{description} ({hint})" if description else hint
        if self.schema.get("deprecated"):
            description = f"(Deprecated) {description}"
        kwargs: dict[str, Any] = {"description": description or None, "alias": alias}
        annotation = self.annotation()
        if self.has_default:
            return annotation, Field(self.schema["default"], **kwargs)
        if self.required:
            return annotation, Field(..., **kwargs)
        if self.schema.get("nullable"):
            return annotation, Field(None, **kwargs)
        # No default, not required (a seed): may be left out, never null.
        absent: Any = SkipJsonSchema[None]  # type: ignore[misc]
        return annotation | absent, Field(None, json_schema_extra=_no_default, **kwargs)


def _no_default(schema: dict[str, Any]) -> None:
    """Show an input that may be left out without the `None` it defaults to."""
    schema.pop("default", None)


def _plain(name: str) -> bool:
    """Whether pydantic takes `name` as a field name as it is."""
    return (
        bool(_NAME.match(name))
        and not keyword.iskeyword(name)
        and not hasattr(BaseModel, name)
    )


def _specs(schema: InputSchema) -> list[InputSpec]:
    required = set(schema.required)
    specs = [
        InputSpec(
            name=name,
            schema=resolve(prop, schema.components),
            required=name in required,
            order=prop.get("x-order", _UNORDERED)
            if isinstance(prop.get("x-order"), int)
            else _UNORDERED,
        )
        for name, prop in schema.properties.items()
        if isinstance(prop, Mapping)
    ]
    return sorted(specs, key=lambda s: (s.order, s.name))


@dataclass(frozen=True)
class ModelArgs:
    """The typed arguments of one model, and what the developer fixed."""

    model: str
    """The model reference (for messages)."""
    inputs: tuple[InputSpec, ...]
    """Every input, by `x-order`."""
    exposed: tuple[str, ...]
    """The inputs a caller (an LLM) sets."""
    args_schema: type[BaseModel]
    """The pydantic model of the exposed inputs (`extra="forbid"`)."""
    keys: Mapping[str, str]
    """Its field names → input names (an input whose name pydantic cannot
    take as a field, such as `json` or `model_config`, is a field `input_<i>`
    with the input's name as its alias: the schema shows the real name)."""

    @classmethod
    def build(
        cls,
        schema: InputSchema,
        *,
        model: str,
        fixed: Collection[str] = (),
        secrets: Collection[str] = (),
        include: Sequence[str] | None = None,
        exclude: Collection[str] = (),
        local_files: bool = False,
        title: str = "ModelInput",
    ) -> ModelArgs:
        """Read the schema and build the arguments model.

        Args:
            schema: The version's input schema.
            model: The model reference, for messages.
            fixed: Inputs the developer sets (`model_kwargs`): not arguments.
            secrets: Secret inputs the developer sets.
            include: Only these inputs are arguments (default: all).
            exclude: These inputs are not arguments.
            local_files: File inputs also take local paths (their descriptions
                say so).
            title: The pydantic model's name.

        Returns:
            The arguments.

        Raises:
            ReplicateInputError: If `include`, `exclude`, `fixed` or `secrets`
                name an input the model does not have, a secret is passed as
                an argument, or a required input is neither an argument nor set.
        """
        specs = _specs(schema)
        by_name = {spec.name: spec for spec in specs}
        names = ", ".join(by_name)
        for option, given in (
            ("include", include or ()),
            ("exclude", exclude),
            ("model_kwargs", fixed),
            ("secret_inputs", secrets),
        ):
            unknown = [n for n in given if n not in by_name]
            if unknown:
                msg = (
                    f"{option} names {', '.join(map(repr, unknown))}, which "
                    f"{model} does not take (its inputs: {names})."
                )
                raise ReplicateInputError(msg)
        for name in fixed:
            if by_name[name].secret:
                msg = (
                    f"{name!r} is a secret input of {model}: pass it in "
                    "secret_inputs (kept out of repr, logs and results), not "
                    "model_kwargs."
                )
                raise ReplicateInputError(msg)
        chosen = set(include) if include is not None else set(by_name)
        exposed = tuple(
            spec.name
            for spec in specs
            if spec.name in chosen
            and spec.name not in exclude
            and spec.name not in fixed
            and not spec.secret
        )
        missing = [
            spec.name
            for spec in specs
            if spec.required
            and not spec.has_default
            and spec.name not in exposed
            and spec.name not in fixed
            and spec.name not in secrets
        ]
        if missing:
            what = (
                "set it in secret_inputs"
                if by_name[missing[0]].secret
                else ("expose it or set it in model_kwargs")
            )
            msg = f"{model} requires {', '.join(map(repr, missing))}: {what}."
            raise ReplicateInputError(msg)
        keys = {
            (name if _plain(name) else f"input_{i}"): name
            for i, name in enumerate(exposed)
        }
        fields = {
            key: by_name[name].field(
                local_files=local_files, alias=None if key == name else name
            )
            for key, name in keys.items()
        }
        args_schema = create_model(  # type: ignore[call-overload]
            title,
            __config__=ConfigDict(extra="forbid"),
            **fields,
        )
        return cls(
            model=model,
            inputs=tuple(specs),
            exposed=exposed,
            args_schema=args_schema,
            keys=keys,
        )

    def present(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments to send, by input name: only those that change something.

        langchain-core fills in every field's default, so the arguments arrive
        with the schema's defaults (left out: the model applies them itself)
        and an input with no default (a seed) as `None` (left out: sent, the
        API would refuse it). `None` is kept only for a nullable input whose
        default is not `None`.
        """
        kept = {}
        for key, value in args.items():
            name = self.keys.get(key, key)
            schema = self.spec(name).schema
            if "default" in schema and value == schema["default"]:
                continue
            if value is None and not (
                schema.get("nullable") and schema.get("default") is not None
            ):
                continue
            kept[name] = value
        return kept

    def spec(self, name: str) -> InputSpec:
        """The input called `name`."""
        return next(spec for spec in self.inputs if spec.name == name)

    @property
    def files(self) -> dict[str, Literal["one", "many"]]:
        """The file inputs (all of them, fixed ones too)."""
        return {s.name: kind for s in self.inputs if (kind := s.file) is not None}

    def file_inputs(
        self, model_input: Mapping[str, Any], input_dir: Path | None
    ) -> list[tuple[str, int | None, FileInput]]:
        """The file values of an input, read (`_inputs.uploads.file_input`).

        Args:
            model_input: The input (fixed inputs and arguments).
            input_dir: The directory local files may come from (`None`: none).

        Returns:
            `(input name, index in its list or None, file)` for each file.

        Raises:
            ReplicateInputError: Naming the argument whose value is refused.
        """
        found: list[tuple[str, int | None, FileInput]] = []
        for name, kind in self.files.items():
            value = model_input.get(name)
            if value is None:
                continue
            try:
                if kind == "one":
                    found.append((name, None, file_input(value, name, input_dir)))
                    continue
                for i, item in enumerate(value):
                    where = f"{name}[{i}]"
                    found.append((name, i, file_input(item, where, input_dir)))
            except ValueError as e:
                msg = f"Invalid arguments for {self.model}: {e}"
                raise ReplicateInputError(msg) from None
        return found

    def check_fixed(self, fixed: Mapping[str, Any]) -> dict[str, Any]:
        """Validate the developer's fixed inputs against their schemas.

        Returns:
            The values as validated (e.g. `"4"` → `4` for an integer input).

        Raises:
            ReplicateInputError: Naming the input and what is wrong.
        """
        checked: dict[str, Any] = {}
        for name, value in fixed.items():
            adapter = TypeAdapter(self.spec(name).annotation())
            try:
                checked[name] = adapter.validate_python(value)
            except ValidationError as e:
                msg = validation_message(
                    e, self.model, prefix=(name,), what="model_kwargs"
                )
                raise ReplicateInputError(msg) from None
        return checked

    def validate(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """Validate a caller's arguments (what `run_model` is given).

        Returns:
            Only the arguments given, as validated (defaults are left to the
            model).

        Raises:
            ReplicateInputError: Naming each wrong argument.
        """
        try:
            parsed = self.args_schema.model_validate(dict(args))
        except ValidationError as e:
            raise ReplicateInputError(validation_message(e, self.model)) from None
        names = {name: key for key, name in self.keys.items()}
        return {name: getattr(parsed, names[name]) for name in args}

    def brief(self) -> list[str]:
        """One line per exposed input (llms.txt style), for `get_model`."""
        lines = []
        for name in self.exposed:
            spec = self.spec(name)
            schema = spec.schema
            kind = "file" if spec.file == "one" else schema.get("type", "any")
            if spec.file == "many":
                kind = "list of files"
            facts = [kind]
            if "enum" in schema:
                facts.append("one of " + ", ".join(map(repr, schema["enum"])))
            low, high = schema.get("minimum"), schema.get("maximum")
            if low is not None or high is not None:
                facts.append(f"{_bound(low)}..{_bound(high)}")
            if "default" in schema:
                facts.append(f"default {schema['default']!r}")
            need = "required" if spec.required and not spec.has_default else "optional"
            description = str(schema.get("description") or "").strip()
            line = f"- {name} ({need}; {'; '.join(facts)})"
            lines.append(f"{line}: {description}" if description else line)
        return lines


def _bound(value: object) -> str:
    return "" if value is None else str(value)


def validation_message(
    error: ValidationError,
    model: str,
    *,
    prefix: tuple[str, ...] = (),
    what: str = "arguments",
) -> str:
    """A pydantic error as `Invalid arguments for <model>: <arg>: <problem>; ...`.

    Values are never quoted (an argument may hold a secret or a huge data URI).

    Args:
        error: The validation error.
        model: The model reference.
        prefix: Location to put before each error's own (for a single field).
        what: What was invalid (`arguments`, `model_kwargs`).

    Returns:
        The message.
    """
    problems: list[str] = []
    seen: set[str] = set()
    for item in error.errors(include_url=False, include_input=False):
        if item["type"] == "none_required":
            continue  # (the `None` branch of an optional input's union)
        where = [*prefix, *item["loc"]]
        # Keep names and list indices, drop pydantic's union member tags.
        parts = [str(p) for i, p in enumerate(where) if i == 0 or isinstance(p, int)]
        loc = ".".join(parts) or "input"
        if loc in seen:
            continue
        seen.add(loc)
        text = item["msg"]
        if item["type"] == "extra_forbidden":
            text = "not an input of this model"
        elif item["type"] == "missing":
            text = "required"
        elif item["type"] == "literal_error":
            expected = item.get("ctx", {}).get("expected")
            text = f"must be one of {expected}" if expected else text
        problems.append(f"{loc}: {text}")
    return f"Invalid {what} for {model}: " + "; ".join(problems) + "."
