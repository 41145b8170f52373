"""`ChatReplicate.with_structured_output`: a schema → a model binding plus a parser.

Pure (no I/O): the three methods become a bound model and the parser of its
answer.

* `function_calling`: the schema is bound as the one tool the model must call
  (`bind_tools(..., tool_choice=name)`); the answer is the first tool call,
  read by `PydanticToolsParser` (Pydantic classes) or
  `JsonOutputKeyToolsParser` (TypedDicts and JSON schemas).
* `json_schema`: `response_format` carries the schema (`_tool_use.tool_calling.
  response_format_input`); `json_mode`: `{"type": "json_object"}`. The answer
  is the reply text, read by `PydanticOutputParser` or `JsonOutputParser`.
* `include_raw`: `{"raw", "parsed", "parsing_error"}` instead of raising on a
  reply that does not parse (LangChain's usual shape).
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.runnables import RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

from langchain_replicate._tool_use.tool_calling import response_format_input

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel, LanguageModelInput
    from langchain_core.messages import BaseMessage
    from langchain_core.output_parsers import BaseOutputParser
    from langchain_core.runnables import Runnable

__all__ = ["StructuredOutputMethod", "structured_output"]

StructuredOutputMethod = Literal["function_calling", "json_schema", "json_mode"]
"""The ways `with_structured_output` asks for an instance of the schema."""


def structured_output(
    model: BaseChatModel,
    schema: dict[str, Any] | type | None,
    *,
    method: StructuredOutputMethod,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
    """The runnable `with_structured_output` returns (see its docstring).

    Args:
        model: The chat model to bind (`bind_tools` / `bind`).
        schema: A Pydantic class, a TypedDict class or a JSON schema; `None`
            only for `json_mode`.
        method: `function_calling`, `json_schema` or `json_mode`.
        include_raw: Return the raw message and any parsing error too.
        strict: Recorded in the traced structured-output format.

    Returns:
        The model, bound, piped into the answer's parser.

    Raises:
        ValueError: On an unknown method, or a missing schema.
    """
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    structured = {
        "kwargs": {"method": method, "strict": strict},
        "schema": schema,
    }
    llm: Runnable[LanguageModelInput, BaseMessage]
    parser: BaseOutputParser[Any]
    if method == "function_calling":
        if schema is None:
            msg = "method='function_calling' needs a schema."
            raise ValueError(msg)
        name = convert_to_openai_tool(schema)["function"]["name"]
        llm = model.bind_tools(
            [schema], tool_choice=name, ls_structured_output_format=structured
        )
        parser = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)
            if is_pydantic
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
    elif method in {"json_schema", "json_mode"}:
        if schema is None and method == "json_schema":
            msg = "method='json_schema' needs a schema."
            raise ValueError(msg)
        response_format = (
            {"type": "json_object"}
            if method == "json_mode"
            else response_format_input(schema)
        )
        traced = {} if schema is None else {"ls_structured_output_format": structured}
        llm = model.bind(response_format=response_format, **traced)
        parser = (
            PydanticOutputParser(pydantic_object=schema)
            if is_pydantic
            else JsonOutputParser()
        )
    else:
        msg = (
            f"Unknown method {method!r}; use 'function_calling', 'json_schema' "
            "or 'json_mode'."
        )
        raise ValueError(msg)
    if not include_raw:
        return llm | parser
    parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    unparsed = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parsed.with_fallbacks(
        [unparsed], exception_key="parsing_error"
    )
