import { h, render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { route, routes } from "./routes.js";

function Link({ href, children, go }) {
  const onClick = (e) => {
    e.preventDefault();
    go(href);
  };
  return h("a", { href, onClick }, children);
}

function App() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  const go = (href) => {
    history.pushState(null, "", href);
    setPath(href);
  };
  const page = route(path);
  return h("div", null,
    h("nav", null, Object.keys(routes).map((href) => h(Link, { href, go }, routes[href].title))),
    h("h1", null, page.title),
    h("p", null, page.body));
}

render(h(App), document.getElementById("app"));
