"""_tool_use."""
