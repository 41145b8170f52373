"""_inputs."""
