import { AppLayout } from "../../../components/AppLayout";
import { RequireAuth } from "../../session/components/RequireAuth";

export function CommandCenterShell() {
  return (
    <RequireAuth>
      <AppLayout />
    </RequireAuth>
  );
}
