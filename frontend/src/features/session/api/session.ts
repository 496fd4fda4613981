import { useQuery } from "@tanstack/react-query";
import { meQuery, type Me } from "./me-query";

/** The signed-in session, inside RequireAuth (which has loaded it). */
export function useSession(): Me {
  const { data } = useQuery(meQuery());
  if (!data) throw new Error("useSession() outside RequireAuth");
  return data;
}

/** The tenant every authenticated query key carries second. */
export function useTenantId(): string {
  return useSession().tenant.id;
}
