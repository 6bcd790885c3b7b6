"""Route handlers for the emulated /v1 resources."""
