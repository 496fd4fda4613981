"""The framework every domain builds on: database, errors, envelopes, pagination, auth and tenancy."""
