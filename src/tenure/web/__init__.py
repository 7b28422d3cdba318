"""The web app: server-rendered pages, sign-in (local and OIDC), sessions, CSRF."""
