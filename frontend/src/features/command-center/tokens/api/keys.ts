export const tokenKeys = {
  all: ["tokens"] as const,
  mine: (tenantId: string) => [...tokenKeys.all, tenantId, "mine"] as const,
};
