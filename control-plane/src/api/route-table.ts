// The API's routes as patterns, so that a request no route takes can be told apart: a path that
// exists under another method (405, with Allow) from a path that does not exist at all (404).

interface RoutePattern {
  readonly methods: Set<string>;
  readonly pattern: RegExp;
}

function compile(url: string): RegExp {
  const source = url
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) return "[^/]+";
      if (segment === "*") return ".*";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}$`);
}

export class RouteTable {
  readonly #routes = new Map<string, RoutePattern>();

  add(method: string | readonly string[], url: string): void {
    let route = this.#routes.get(url);
    if (route === undefined) {
      route = { methods: new Set(), pattern: compile(url) };
      this.#routes.set(url, route);
    }
    for (const name of typeof method === "string" ? [method] : method) route.methods.add(name.toUpperCase());
  }

  /** The methods some route accepts at `url` (its query ignored), sorted; empty if none. */
  methodsFor(url: string): string[] {
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const methods = new Set<string>();
    for (const route of this.#routes.values()) {
      if (route.pattern.test(path)) for (const method of route.methods) methods.add(method);
    }
    return [...methods].sort();
  }
}
