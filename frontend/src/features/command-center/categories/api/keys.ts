export const categoryKeys = {
  all: ["faq-categories"] as const,
  tree: (tenantId: string) => [...categoryKeys.all, tenantId, "tree"] as const,
};
