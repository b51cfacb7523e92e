"""REST API of the evaluations app (`views`, `serializers`, `filters`), mounted under
/api/evaluations/ by `evaluations/api_urls.py`."""
