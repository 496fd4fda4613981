"""Pulumi components for the Fibonacco Operations Platform, one module per AWS service in the plan."""
