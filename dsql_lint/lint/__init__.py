"""The lint pipeline: classification, the schema model, rules over statements, suppressions,
parallel runs and the findings cache."""
