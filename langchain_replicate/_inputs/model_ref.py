"""Model references: which Replicate model, version or deployment a call targets.

Pure (no I/O). A reference is parsed once, at construction, so a malformed one
fails before any request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?"
_MODEL_RE = re.compile(
    rf"^(?P<owner>{_PART})/(?P<name>{_PART})(?::(?P<version>[A-Za-z0-9._-]+))?$"
)
_DEPLOYMENT_PREFIX = "deployments/"


@dataclass(frozen=True)
class ModelRef:
    """A parsed reference: an official model, a model version or a deployment."""

    owner: str
    name: str
    version: str | None = None
    is_deployment: bool = False

    @property
    def slug(self) -> str:
        """`owner/name`."""
        return f"{self.owner}/{self.name}"

    def __str__(self) -> str:
        """The reference as a user writes it."""
        if self.is_deployment:
            return f"{_DEPLOYMENT_PREFIX}{self.slug}"
        return f"{self.slug}:{self.version}" if self.version else self.slug

    @property
    def create_path(self) -> str:
        """The path that creates a prediction for this reference."""
        if self.is_deployment:
            return f"/v1/deployments/{self.slug}/predictions"
        if self.version:
            return "/v1/predictions"
        return f"/v1/models/{self.slug}/predictions"

    def create_body(
        self, model_input: dict[str, object], *, stream: bool
    ) -> dict[str, object]:
        """The JSON body that creates a prediction.

        Args:
            model_input: The prediction input.
            stream: Ask for an SSE stream URL (older models need it).

        Returns:
            The body.
        """
        body: dict[str, object] = {"input": model_input}
        if self.version and not self.is_deployment:
            body["version"] = self.version
        if stream:
            body["stream"] = True
        return body


def parse_model_ref(model: str | None, deployment: str | None = None) -> ModelRef:
    """Parse `owner/name`, `owner/name:version` or `deployments/owner/name`.

    Args:
        model: The `model` field.
        deployment: The `deployment` field (`owner/name`).

    Returns:
        The parsed reference.

    Raises:
        ValueError: If the reference is missing, ambiguous or malformed.
    """
    if model and deployment:
        msg = (
            f"Pass either model= or deployment=, not both (got model={model!r}, "
            f"deployment={deployment!r})."
        )
        raise ValueError(msg)
    if deployment is not None:
        return _parse(deployment.removeprefix(_DEPLOYMENT_PREFIX), is_deployment=True)
    if not model:
        msg = (
            "No model: pass model='owner/name' (official model), "
            "model='owner/name:version' or deployment='owner/name'."
        )
        raise ValueError(msg)
    if model.startswith(_DEPLOYMENT_PREFIX):
        return _parse(model.removeprefix(_DEPLOYMENT_PREFIX), is_deployment=True)
    return _parse(model, is_deployment=False)


def _parse(ref: str, *, is_deployment: bool) -> ModelRef:
    match = _MODEL_RE.match(ref.strip())
    if not match or (is_deployment and match.group("version")):
        kind = (
            "deployment 'owner/name'"
            if is_deployment
            else ("'owner/name' or 'owner/name:version'")
        )
        msg = f"Malformed Replicate reference {ref!r}: expected {kind}."
        raise ValueError(msg)
    return ModelRef(
        owner=match.group("owner"),
        name=match.group("name"),
        version=match.group("version"),
        is_deployment=is_deployment,
    )
