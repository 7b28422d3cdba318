// Starts Swagger UI on /api/docs (a file, not an inline script: the page's CSP allows only
// scripts from this server).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui",
                                deepLinking: true });
});
