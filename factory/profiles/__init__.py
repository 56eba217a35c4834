"""An organization profile: YAML with positions, layering, the model, cross-key rules,
located problems, and `load_profile`, the one way in."""
