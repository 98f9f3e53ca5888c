// The app's routes: every path is answered by index.html (the server's SPA
// fallback), and the page picks what to show from the path.
export const routes = {
  "/": { title: "Home", body: "A single-page app built by esbuild and served by Caddy." },
  "/about": { title: "About", body: "Built with appbuild from app.yaml." },
};

export function route(pathname) {
  return routes[pathname] ?? { title: "Not found", body: `Nothing lives at ${pathname}.` };
}
