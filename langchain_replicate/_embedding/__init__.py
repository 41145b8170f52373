"""_embedding."""
