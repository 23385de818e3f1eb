"""The domain model: see the submodules. Filled in by the model work."""
