"""Embedding predictions planned: `EmbeddingPlan`, from the schema and the options.

Pure (no I/O), shared by `ReplicateEmbeddings`' sync and async paths. The plan
joins the text input (`_embedding.inputs`: which input, how the texts are
sent, the side inputs) with the class's options (`dimensions`, `normalize`,
`chunk_size`, `model_kwargs`) into each batch's request, and reads each
batch's vectors back (`_embedding.outputs`), normalising them here when the
model cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_replicate._embedding.inputs import (
    TextFormat,
    TextInput,
    encode_texts,
    find_text_input,
    newline_lines,
    side_inputs,
)
from langchain_replicate._embedding.outputs import (
    OutputShapeError,
    normalized,
    parse_vectors,
)
from langchain_replicate.errors import ReplicateInputError, ReplicatePredictionError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_replicate._inputs.schema import InputSchema

DEFAULT_CHUNK_SIZE = 64
"""Texts per prediction for models that take a batch."""

_DIMENSION_NAMES = (
    "dimensions",
    "dimension",
    "embedding_dim",
    "embedding_dimension",
    "output_dim",
    "output_dimension",
    "truncate_dim",
)
_NORMALIZE_NAMES = ("normalize_embeddings", "normalize")


@dataclass(frozen=True)
class EmbeddingPlan:
    """Everything decided before the first prediction: pure, reused per batch."""

    model: str
    text_input: TextInput
    fixed: Mapping[str, Any] = field(default_factory=dict)
    """Inputs sent with every batch (side inputs, options, `model_kwargs`)."""
    chunk_size: int = DEFAULT_CHUNK_SIZE
    normalize_locally: bool = False
    """L2-normalise the vectors here (`normalize=True`, and the model has no
    input for it)."""
    dimensions: int | None = None
    """The dimension every vector must have, when asked for."""

    @classmethod
    def make(
        cls,
        schema: InputSchema | None,
        *,
        model: str,
        text_input: str | None = None,
        text_format: TextFormat | None = None,
        model_kwargs: Mapping[str, Any] | None = None,
        chunk_size: int | None = None,
        dimensions: int | None = None,
        normalize: bool | None = None,
        validate: bool = True,
    ) -> EmbeddingPlan:
        """Plan the predictions from the schema and the options.

        Args:
            schema: The model's input schema.
            model: The model reference, for messages.
            text_input: Override: the input that takes the texts.
            text_format: Override: how it takes them.
            model_kwargs: Further inputs, sent with every batch (they win).
            chunk_size: Texts per prediction (default: 64 for batch inputs,
                capped by a declared `maxItems`; always 1 for single-text ones).
            dimensions: Output dimensions, for models that take them.
            normalize: L2-normalise: through the model's input if it has one,
                else here. `None`: the model's default.
            validate: Reject `model_kwargs` the schema does not list.

        Returns:
            The plan.

        Raises:
            ReplicateInputError: If an option cannot be honoured by this model.
        """
        found = find_text_input(
            schema, model=model, name=text_input, text_format=text_format
        )
        fixed: dict[str, Any] = dict(side_inputs(schema, found.name))
        names = schema.names if schema else []
        if dimensions is not None:
            dim_name = next((n for n in _DIMENSION_NAMES if n in names), None)
            if dim_name is None:
                msg = (
                    f"{model} takes no output dimension (its inputs: "
                    f"{', '.join(names)}); leave dimensions unset, or pass the "
                    "model's own input in model_kwargs."
                )
                raise ReplicateInputError(msg)
            fixed[dim_name] = dimensions
        normalize_locally = False
        if normalize is not None:
            norm_name = next((n for n in _NORMALIZE_NAMES if n in names), None)
            if norm_name is not None:
                fixed[norm_name] = normalize
            else:
                normalize_locally = normalize
        fixed.update(model_kwargs or {})
        if found.name in fixed:
            msg = (
                f"model_kwargs sets {found.name!r}, the input that takes the "
                "texts; remove it (the texts go there)."
            )
            raise ReplicateInputError(msg)
        if validate and schema is not None:
            unknown = sorted(n for n in model_kwargs or {} if n not in names)
            if unknown:
                msg = (
                    f"{model} does not take the input(s) "
                    f"{', '.join(map(repr, unknown))}. Valid inputs: "
                    f"{', '.join(names)}. If the model's schema is incomplete, "
                    "pass validate_inputs=False."
                )
                raise ReplicateInputError(msg)
        size = 1
        if found.batched:
            size = chunk_size or DEFAULT_CHUNK_SIZE
            if found.max_items is not None:
                size = min(size, found.max_items)
        return cls(
            model=model,
            text_input=found,
            fixed=fixed,
            chunk_size=size,
            normalize_locally=normalize_locally,
            dimensions=dimensions,
        )

    def batches(self, texts: Sequence[str]) -> list[list[str]]:
        """Split the texts into one list per prediction, in order."""
        size = self.chunk_size
        return [list(texts[i : i + size]) for i in range(0, len(texts), size)]

    def model_input(self, texts: Sequence[str]) -> dict[str, Any]:
        """The prediction input for one batch."""
        text_input = self.text_input
        value = encode_texts(texts, text_input.format, reads_urls=text_input.reads_urls)
        return {text_input.name: value}

    def request(self, texts: Sequence[str]) -> dict[str, Any]:
        """The full input of one batch: its texts plus the fixed inputs."""
        return {**self.fixed, **self.model_input(texts)}

    def vectors(
        self, prediction: Mapping[str, Any], texts: Sequence[str]
    ) -> list[list[float]]:
        """Read one batch's vectors from its finished prediction.

        Args:
            prediction: The batch's finished prediction.
            texts: The batch's texts (a newline batch's pad lines are dropped).

        Returns:
            One vector per text, in order.

        Raises:
            ReplicatePredictionError: If the output is not one vector per text
                (and pad line) of one dimension (the message says what came back).
        """
        count, lead = len(texts), 0
        if self.text_input.format == "newline":
            lines, lead = newline_lines(texts, reads_urls=self.text_input.reads_urls)
            count = len(lines)
        try:
            vectors = parse_vectors(prediction.get("output"), count, self.dimensions)
        except OutputShapeError as e:
            pid = prediction.get("id", "?")
            message = (
                f"Prediction {pid} of {self.model} returned output that is not "
                f"{count} embedding(s): {e}. If the model takes its texts "
                f"differently than {self.text_input.format!r} in "
                f"{self.text_input.name!r}, pass text_input=... and "
                "text_format=...."
            )
            if self.text_input.format == "newline" and any(
                not text.strip() for text in texts
            ):
                message += (
                    " The batch has blank texts, sent as blank lines: this model "
                    "seems to drop them; remove blank texts or use a model with a "
                    "list input."
                )
            raise ReplicatePredictionError(prediction, message) from e
        vectors = vectors[lead : lead + len(texts)]
        return [normalized(v) for v in vectors] if self.normalize_locally else vectors
