"""The REDEX data a sandbox holds, one module per API area, with no HTTP in it."""
