"""Raw OpenAPI schemas for responses that no serializer describes."""

# A JSON array of objects (a list endpoint whose items are built by an `*_out` function).
OBJECT_LIST = {"type": "array", "items": {"type": "object", "additionalProperties": {}}}
