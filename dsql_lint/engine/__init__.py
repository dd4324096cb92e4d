"""The YAML rule engine: rules are loaded from YAML, compiled once into a dispatch table."""
