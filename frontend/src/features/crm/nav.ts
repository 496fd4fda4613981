import type { Area } from "../../app/nav";

// Minimum roles mirror the API's (crm/auth.py): reading the CRM is for everyone, changing it and importing for
// staff, defining custom fields for admins.
export const crmArea: Area = {
  id: "crm",
  label: "CRM",
  basePath: "/crm",
  items: [
    { label: "Customers", to: "/crm/customers", minRole: "viewer" },
    { label: "Conversations", to: "/crm/conversations", minRole: "viewer" },
    { label: "Pending questions", to: "/crm/questions", minRole: "viewer" },
    { label: "Import customers", to: "/crm/import", minRole: "staff" },
    { label: "Custom fields", to: "/crm/fields", minRole: "admin" },
  ],
};
