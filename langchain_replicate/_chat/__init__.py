"""_chat."""
