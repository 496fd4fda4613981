"""Users, roles, personal access tokens, login and the auth dependencies every endpoint uses."""
