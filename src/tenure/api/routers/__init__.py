"""REST API routers under /api, one module per area, with the web pages' authorization."""
