"""Deployment: the HAProxy cluster (`make serve`), its config and container files."""
