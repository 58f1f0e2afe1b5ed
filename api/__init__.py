"""The JSON API (/api/v1/): thin views over the same services and permission table as the screens."""
