"""Searching the catalogue: models, collections and docs pages (pure, no I/O).

`QUERY /v1/models` and the beta `GET /v1/search` rank with the same rule, a
small stand-in for Replicate's search: the query is cut into words, each word
stemmed (`upscaler`, `upscaling`, `upscale` all become `upscal`), and a model
scores per query word found in its name (3), tags or collection names (2),
owner or description (1), times the word's rarity among the models
(`1 + ln(models / models with the word)`, so "upscale" outweighs "image").
Models scoring 0 are left out; ties go to the model with more runs.
Collections and docs pages match on their names, slugs, descriptions and
keywords the same way (without rarity); a collection also gets the best score
of its models.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from langchain_replicate.testing._models.reference import (
        DocsPage,
        ReferenceCollection,
        ReferenceModel,
    )

_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "es", "ed", "s", "e")
_MIN_STEM = 4

NAME_WEIGHT = 3.0
TAG_WEIGHT = 2.0
TEXT_WEIGHT = 1.0


def stem(word: str) -> str:
    """`word` without one common English suffix, if at least 4 letters remain."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def words(text: str) -> set[str]:
    """The stemmed words of `text` (lowercase letters and digits)."""
    return {stem(w) for w in _WORD.findall(text.lower())}


@dataclass(frozen=True)
class ModelHit:
    """A model that matched a query, with its score."""

    model: ReferenceModel
    score: float


def _score(
    query: set[str],
    weighted: Iterable[tuple[set[str], float]],
    rarity: Mapping[str, float] | None = None,
) -> float:
    fields = list(weighted)
    total = 0.0
    for word in query:
        best = max((w for found, w in fields if word in found), default=0.0)
        total += best * (rarity or {}).get(word, 1.0)
    return total


def search_models(
    query: str,
    models: Sequence[ReferenceModel],
    collections: Sequence[ReferenceCollection],
) -> list[ModelHit]:
    """The models matching `query`, best first (see the module docstring)."""
    wanted = words(query)
    names_by_ref: dict[str, set[str]] = {}
    for collection in collections:
        for ref in collection.models:
            names_by_ref.setdefault(ref, set()).update(
                words(f"{collection.name} {collection.slug}")
            )
    fields = {
        model.ref: [
            (words(model.name), NAME_WEIGHT),
            (
                words(" ".join(model.tags)) | names_by_ref.get(model.ref, set()),
                TAG_WEIGHT,
            ),
            (words(f"{model.owner} {model.description}"), TEXT_WEIGHT),
        ]
        for model in models
    }
    rarity = {}
    for word in wanted:
        having = sum(1 for found in fields.values() if any(word in f for f, _ in found))
        rarity[word] = 1 + math.log(len(models) / having) if having else 1.0
    hits = []
    for model in models:
        score = round(_score(wanted, fields[model.ref], rarity), 4)
        if score > 0:
            hits.append(ModelHit(model, score))
    hits.sort(key=lambda h: (-h.score, -h.model.run_count, h.model.ref))
    return hits


def search_collections(
    query: str,
    collections: Sequence[ReferenceCollection],
    hits: Sequence[ModelHit] = (),
) -> list[ReferenceCollection]:
    """The collections matching `query`, best first.

    A collection scores on its own words plus the best score of its models
    among `hits` (so the upscalers' collection leads a search for "upscale").
    """
    wanted = words(query)
    best: dict[str, float] = {}
    for hit in hits:
        best[hit.model.ref] = max(best.get(hit.model.ref, 0.0), hit.score)
    scored = [
        (
            _score(
                wanted,
                [
                    (words(f"{c.name} {c.slug}"), NAME_WEIGHT),
                    (words(c.description), TEXT_WEIGHT),
                ],
            )
            + max((best.get(ref, 0.0) for ref in c.models), default=0.0),
            c,
        )
        for c in collections
    ]
    return [c for score, c in sorted(scored, key=lambda p: -p[0]) if score > 0]


def search_pages(query: str, pages: Sequence[DocsPage]) -> list[DocsPage]:
    """The docs pages matching `query`, best first."""
    wanted = words(query)
    scored = [
        (
            _score(
                wanted,
                [
                    (words(page.name), NAME_WEIGHT),
                    (words(" ".join(page.keywords)), TAG_WEIGHT),
                ],
            ),
            page,
        )
        for page in pages
    ]
    return [p for score, p in sorted(scored, key=lambda p: -p[0]) if score > 0]


def generated_description(model: ReferenceModel) -> str:
    """A longer description made from the model's schema, for `/v1/search`.

    E.g. `"Upscale images. Inputs: image (file, required), scale (number,
    default 4), face_enhance (boolean, default false). Output: a file."`
    """
    inputs = [
        _describe_input(name, prop, model.extra_schemas, model.input_schema)
        for name, prop in sorted(
            model.input_schema.get("properties", {}).items(),
            key=lambda item: item[1].get("x-order", 0),
        )
    ]
    description = model.description.rstrip(".")
    return (
        f"{description}. Inputs: {', '.join(inputs)}. "
        f"Output: {describe_output(model.output_schema)}."
    )


def _describe_input(
    name: str,
    prop: Mapping[str, Any],
    extra: Mapping[str, Any],
    schema: Mapping[str, Any],
) -> str:
    kind = _kind(prop, extra)
    facts = [kind]
    if name in schema.get("required", ()):
        facts.append("required")
    elif "default" in prop:
        facts.append(f"default {_json_text(prop['default'])}")
    return f"{name} ({', '.join(facts)})"


def _kind(prop: Mapping[str, Any], extra: Mapping[str, Any]) -> str:
    refs = [
        part.get("$ref", "") for part in prop.get("allOf", ()) if isinstance(part, dict)
    ]
    enum = prop.get("enum")
    if refs:
        enum = extra.get(refs[0].rsplit("/", 1)[-1], {}).get("enum")
    if enum:
        return (
            "one of "
            + "/".join(str(v) for v in enum[:6])
            + (
                "/..." if len(enum) > 6 else ""  # noqa: PLR2004 - a short list
            )
        )
    if prop.get("format") == "uri":
        return "file"
    return str(prop.get("type", "any"))


def describe_output(output: Mapping[str, Any]) -> str:
    """`a file`, `a list of files`, `text`, `an object with ...`."""
    if output.get("format") == "uri":
        return "a file"
    if output.get("type") == "array":
        items = output.get("items", {})
        if items.get("format") == "uri":
            return "a list of files"
        if output.get("x-cog-array-display") == "concatenate":
            return "text (streamed)"
        return f"a list of {items.get('type', 'values')}"
    if output.get("type") == "object":
        fields = [
            f"{key} (file)" if value.get("format") == "uri" else key
            for key, value in output.get("properties", {}).items()
        ]
        return "an object with " + ", ".join(fields) if fields else "an object"
    return str(output.get("type", "a value"))


def _json_text(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)
