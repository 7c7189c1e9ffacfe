// "chat (~ ^/ws)" for a route: the location as it was written when it served the request, so a
// row logged before the routes changed keeps naming the location that served it (display only).
import type { RouteView } from '../../../app/api/contract.ts';

export function routeLabel(route: RouteView | null): string {
  if (!route) return '–';
  if (route.location === null) return route.name || 'server';
  const where = route.where || `#${route.location}`;
  return route.name ? `${route.name} (${where})` : where;
}
