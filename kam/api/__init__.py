"""REST API of the key accounts app: `views.py` (DRF views), `serializers.py` (shapes),
`filters.py` (query parameters). Mounted under /api/kam/ by `kam/api_urls.py`."""
