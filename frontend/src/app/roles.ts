import type { Schemas } from "../api/client";

export type Role = Schemas["Role"];

const RANK: Record<Role, number> = { viewer: 0, staff: 1, admin: 2, owner: 3 };

/** The same rule as the API's `Role.at_least`. */
export function atLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}
