"""HTTP service: settings, schemas, routers, the web page, auth and the app factory."""
