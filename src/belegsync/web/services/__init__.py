"""The web app's use cases: small verb-named functions taking their collaborators."""
