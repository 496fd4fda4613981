// The navigation registry: each area of the app lists its pages and the role each needs. The shell shows only
// the areas and pages the signed-in role may use. An area plugs in by adding itself to AREAS.
import { commandCenterArea } from "../features/command-center/nav";
import { crmArea } from "../features/crm/nav";
import { atLeast, type Role } from "./roles";

export interface NavItem {
  label: string;
  to: string;
  minRole: Role;
}

export interface Area {
  id: string;
  label: string;
  basePath: string;
  items: NavItem[];
}

export const AREAS: Area[] = [commandCenterArea, crmArea];

/** The areas this role may use, each with only the pages it may open; areas with none are left out. */
export function visibleAreas(role: Role, areas: Area[] = AREAS): Area[] {
  return areas
    .map((area) => ({ ...area, items: area.items.filter((item) => atLeast(role, item.minRole)) }))
    .filter((area) => area.items.length > 0);
}
