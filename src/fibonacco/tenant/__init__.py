"""Tenants: each business the platform serves; every tenant-owned row points at one."""
