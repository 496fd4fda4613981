import { atLeast } from "../../../app/roles";
import { useSession } from "../../session/api/session";

/** What the signed-in user may do in the CRM: the API's rule (crm/auth.py), used to hide what it would refuse. */
export function useCrmPermissions() {
  const { user } = useSession();
  return { canWrite: atLeast(user.role, "staff"), isAdmin: atLeast(user.role, "admin"), userId: user.id };
}
