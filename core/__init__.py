"""The model-free kernel under every app (markdown, the search-document field, the email envelope, the
GOV.UK form kit, pagination, dates). It imports Django and third-party libraries only, never an app
(tests/core/test_kernel.py checks), so profiles, communities, practice and khub may all import it."""
