"""`dsql-lint doctor`: each step between a user and a working `apply`, checked in order."""
