"""Operator helpers for the AWS deployment (infrastructure/pulumi): `fibonacco infra cost`."""
