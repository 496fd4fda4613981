import type { Area } from "../../app/nav";

// Minimum roles mirror the API's: reading knowledge is for everyone, the outbox for staff, imports (followed
// through the queue API), jobs and users for admins. Tokens are each user's own.
export const commandCenterArea: Area = {
  id: "command-center",
  label: "Command Center",
  basePath: "/command-center",
  items: [
    { label: "Knowledge", to: "/command-center/knowledge", minRole: "viewer" },
    { label: "FAQ categories", to: "/command-center/categories", minRole: "viewer" },
    { label: "Import", to: "/command-center/import", minRole: "admin" },
    { label: "Outbox", to: "/command-center/outbox", minRole: "staff" },
    { label: "Jobs", to: "/command-center/jobs", minRole: "admin" },
    { label: "Users", to: "/command-center/users", minRole: "admin" },
    { label: "API tokens", to: "/command-center/tokens", minRole: "viewer" },
  ],
};
