"""Serves the local files driver's files (FILESYSTEM_DISK=local) so development links work like S3's."""
