"""Liveness and readiness endpoints for the load balancer and operators."""
