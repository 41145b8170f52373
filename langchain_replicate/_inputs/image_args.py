"""Mapping the image tool's arguments onto what a model's input schema takes.

Pure (no I/O). The tool offers one set of arguments, `ReplicateImageInput`
(`prompt`,
`negative_prompt`, `aspect_ratio`, `width`/`height`, `num_outputs`, `seed`);
image models spell size in different ways:

* `aspect_ratio` (flux): `width`/`height` become the allowed ratio nearest
  theirs (within 5%, as flux's own sizes are only near their ratios);
* `image_dimensions` (Stable Diffusion, `"768x768"`): `width`/`height` become
  `"WxH"`, an `aspect_ratio` the allowed size of that shape;
* `width`/`height` (SDXL): an `aspect_ratio` becomes the size of that shape
  with the default's area, in multiples of 64.

Anything a model cannot express is an error that says what it takes instead;
nothing is sent under a name the schema does not list, and values are checked
against the schema's enums and ranges before a prediction is created.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from langchain_replicate._inputs.schema import build_input
from langchain_replicate.errors import ReplicateInputError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langchain_replicate._inputs.schema import InputSchema

__all__ = ["COUNT_NAMES", "ReplicateImageInput", "image_tool_input", "map_image_args"]

COUNT_NAMES = ("num_outputs", "num_images", "number_of_images")
"""What models call "how many images"."""

_RATIO = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*$")
_DIMENSIONS = re.compile(r"^\s*(\d+)\s*x\s*(\d+)\s*$")
_RATIO_TOLERANCE = 0.05
_SIZE_STEP = 64
_DEFAULT_SIDE = 1024


class ReplicateImageInput(BaseModel):
    """The arguments of `ReplicateImageGenerationTool`."""

    prompt: str = Field(
        description=(
            "A detailed description of the image to make: subject, style, "
            "colours, composition."
        ),
        min_length=1,
    )
    negative_prompt: str | None = Field(
        default=None,
        description=(
            "What the image must not show. Only for models that take a negative "
            "prompt; leave it out otherwise."
        ),
    )
    aspect_ratio: str | None = Field(
        default=None,
        pattern=r"^\s*\d+\s*:\s*\d+\s*$",
        description=(
            "The image's shape as width:height, e.g. '1:1', '16:9', '9:16'. Give "
            "either this or width and height, not both."
        ),
    )
    width: int | None = Field(
        default=None, gt=0, description="Width in pixels, given with height."
    )
    height: int | None = Field(
        default=None, gt=0, description="Height in pixels, given with width."
    )
    num_outputs: int | None = Field(
        default=None, ge=1, description="How many images to make. Default: 1."
    )
    seed: int | None = Field(
        default=None, description="Random seed, to make the same image again."
    )


def _fail(message: str) -> ReplicateInputError:
    return ReplicateInputError(message)


def _ratio(text: str) -> float | None:
    match = _RATIO.match(text) or _DIMENSIONS.match(text)
    if not match or not int(match.group(2)):
        return None
    return int(match.group(1)) / int(match.group(2))


def _listed(values: tuple[Any, ...]) -> str:
    return ", ".join(map(str, values))


def map_image_args(
    args: Mapping[str, Any], schema: InputSchema | None, *, model: str
) -> dict[str, Any]:
    """The model input for the tool's arguments.

    Args:
        args: The arguments that are set (`prompt` and any of `negative_prompt`,
            `aspect_ratio`, `width`, `height`, `num_outputs`, `seed`).
        schema: The model's input schema (`None` if it has none).
        model: The model reference, for messages.

    Returns:
        The input, under the model's own names.

    Raises:
        ReplicateInputError: If the model cannot take an argument, or a value is
            outside what its schema allows.
    """
    extra = sorted(name for name, value in args.items() if value is not None)
    extra.remove("prompt")
    if schema is None:
        if extra:
            msg = (
                f"{model} publishes no input schema, so {', '.join(extra)} cannot be "
                "mapped onto its inputs. Pass only a prompt, or put the model's own "
                "inputs in model_kwargs."
            )
            raise _fail(msg)
        return {"prompt": args["prompt"]}
    model_input: dict[str, Any] = {schema.prompt_key(): args["prompt"]}
    for name in ("negative_prompt", "seed"):
        if args.get(name) is not None:
            if name not in schema.properties:
                msg = f"{model} does not take {name} (its inputs: {_inputs(schema)})."
                raise _fail(msg)
            model_input[name] = args[name]
    count = args.get("num_outputs")
    if count is not None:
        count_name = next((n for n in COUNT_NAMES if n in schema.properties), None)
        if count_name is not None:
            model_input[count_name] = count
        elif count != 1:
            msg = f"{model} makes one image per call; it takes no num_outputs."
            raise _fail(msg)
    model_input.update(_size_input(args, schema, model))
    for name, value in model_input.items():
        _check_value(schema, name, value, model)
    return model_input


def image_tool_input(
    args: dict[str, Any],
    schema: InputSchema | None,
    *,
    model: str,
    model_kwargs: Mapping[str, Any],
) -> dict[str, Any]:
    """The tool's arguments → the model's whole, checked input.

    Args:
        args: The `ReplicateImageInput` arguments given.
        schema: The model's input schema (`None` when it has none).
        model: The model reference, for error messages.
        model_kwargs: The tool's further model inputs (the arguments win).

    Returns:
        The prediction input (`map_image_args`, then `_inputs.schema.build_input`).
    """
    mapped = map_image_args(args, schema, model=model)
    prompt_key = next(iter(mapped))
    return build_input(
        mapped.pop(prompt_key),
        prompt_key=prompt_key,
        schema=schema,
        standard={},
        model_kwargs={**model_kwargs, **mapped},
        stop=None,
        validate=True,
        model=model,
    )


def _inputs(schema: InputSchema) -> str:
    return ", ".join(schema.names)


def _size_input(
    args: Mapping[str, Any], schema: InputSchema, model: str
) -> dict[str, Any]:
    aspect_ratio = args.get("aspect_ratio")
    width, height = args.get("width"), args.get("height")
    if aspect_ratio is None and width is None and height is None:
        return {}
    if aspect_ratio is not None and (width is not None or height is not None):
        msg = "Pass either aspect_ratio or width and height, not both."
        raise _fail(msg)
    props = schema.properties
    if aspect_ratio is not None:
        if _ratio(aspect_ratio) is None:
            msg = f"aspect_ratio must look like '16:9'; got {aspect_ratio!r}."
            raise _fail(msg)
        return _from_aspect_ratio(aspect_ratio, schema, model)
    if "width" in props and "height" in props:
        sized = {k: v for k, v in (("width", width), ("height", height)) if v}
        choices = schema.choices("aspect_ratio") or ()
        if "custom" in choices:
            sized["aspect_ratio"] = "custom"
        return sized
    if width is None or height is None:
        msg = (
            f"{model} takes no width or height input; pass both width and height "
            "(they are turned into its size setting) or aspect_ratio."
        )
        raise _fail(msg)
    if "image_dimensions" in props:
        return {"image_dimensions": f"{width}x{height}"}
    if "aspect_ratio" in props:
        return {"aspect_ratio": _nearest_ratio(width, height, schema, model)}
    msg = f"{model} takes no size (its inputs: {_inputs(schema)})."
    raise _fail(msg)


def _from_aspect_ratio(
    aspect_ratio: str, schema: InputSchema, model: str
) -> dict[str, Any]:
    props = schema.properties
    ratio = _ratio(aspect_ratio) or 1.0
    if "aspect_ratio" in props:
        return {"aspect_ratio": aspect_ratio.replace(" ", "")}
    if "width" in props and "height" in props:
        area = _default_side(props["width"]) * _default_side(props["height"])
        return {
            "width": _multiple(math.sqrt(area * ratio)),
            "height": _multiple(math.sqrt(area / ratio)),
        }
    if "image_dimensions" in props:
        choices = schema.choices("image_dimensions") or ()
        shaped = [c for c in choices if _ratio(str(c)) == ratio]
        if not shaped:
            msg = (
                f"{model} cannot make a {aspect_ratio} image: its image_dimensions "
                f"are {_listed(choices)}."
            )
            raise _fail(msg)
        default = props["image_dimensions"].get("default")
        return {"image_dimensions": default if default in shaped else shaped[0]}
    msg = f"{model} takes no size (its inputs: {_inputs(schema)})."
    raise _fail(msg)


def _default_side(prop: Mapping[str, Any]) -> int:
    default = prop.get("default")
    return default if isinstance(default, int) and default > 0 else _DEFAULT_SIDE


def _multiple(side: float) -> int:
    return max(_SIZE_STEP, round(side / _SIZE_STEP) * _SIZE_STEP)


def _nearest_ratio(width: int, height: int, schema: InputSchema, model: str) -> str:
    wanted = width / height
    choices = schema.choices("aspect_ratio")
    if choices is None:
        divisor = math.gcd(width, height)
        return f"{width // divisor}:{height // divisor}"
    ratios = [(c, r) for c in choices if (r := _ratio(str(c))) is not None]
    if ratios:
        best, ratio = min(ratios, key=lambda item: abs(math.log(item[1] / wanted)))
        if abs(ratio / wanted - 1) <= _RATIO_TOLERANCE:
            return str(best)
    msg = (
        f"{model} takes an aspect_ratio, not a size, and none of its ratios "
        f"({_listed(choices)}) is near {width}x{height}. Pass one of them as "
        "aspect_ratio."
    )
    raise _fail(msg)


def _check_value(schema: InputSchema, name: str, value: object, model: str) -> None:
    """Reject a value outside the input's enum or range (before any prediction)."""
    choices = schema.choices(name)
    if choices is not None and value not in choices:
        msg = f"{model} does not take {name}={value!r}; allowed: {_listed(choices)}."
        raise _fail(msg)
    prop = schema.properties.get(name) or {}
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    low, high = prop.get("minimum"), prop.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{'' if low is None else low}..{'' if high is None else high}"
        msg = f"{model} takes {name} in {bounds}; got {value}."
        raise _fail(msg)
