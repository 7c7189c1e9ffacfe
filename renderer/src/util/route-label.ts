// "location ~ ^/ws" for a route, looked up in the applied config (display only).
import type { RouteView } from '../../../app/api/contract.ts';
import type { ConfigInput } from '../../../app/config/schema.ts';

export function routeLabel(route: RouteView | null, applied: unknown): string {
  if (!route) return '–';
  if (route.location === null) return route.name || 'server';
  const loc = (applied as ConfigInput | null)?.servers?.[route.server]?.locations?.[route.location];
  const where = loc ? `${loc.modifier ? `${loc.modifier} ` : ''}${loc.path}` : `#${route.location}`;
  return route.name ? `${route.name} (${where})` : where;
}
