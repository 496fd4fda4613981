import { useParams } from "react-router";

/** The Learning Center's tenant: the slug in `/learn/:tenant/…`, else this host (a tenant's own domain). */
export function useLearningTenant(): { tenant: string; base: string; bySlug: boolean } {
  const { tenant } = useParams();
  if (tenant) return { tenant, base: `/learn/${encodeURIComponent(tenant)}`, bySlug: true };
  return { tenant: window.location.hostname, base: "", bySlug: false };
}
