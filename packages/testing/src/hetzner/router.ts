import type { Route } from './handlers/context.js';

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

/** Matches method and path against OpenAPI path templates; numeric parameters only, as all ids are integers. */
export class Router {
  readonly #routes: CompiledRoute[];

  constructor(routes: Route[]) {
    this.#routes = routes.map((route) => {
      const names: string[] = [];
      const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        names.push(name);
        return '(\\d+)';
      });
      return { route, pattern: new RegExp(`^${source}$`), names };
    });
  }

  /** Returns the match, `method_not_allowed` when only the method differs, or null for an unknown path. */
  match(method: string, path: string): RouteMatch | 'method_not_allowed' | null {
    let pathExists = false;
    for (const { route, pattern, names } of this.#routes) {
      const found = pattern.exec(path);
      if (found === null) continue;
      pathExists = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      names.forEach((name, index) => {
        params[name] = found[index + 1] as string;
      });
      return { route, params };
    }
    return pathExists ? 'method_not_allowed' : null;
  }
}
