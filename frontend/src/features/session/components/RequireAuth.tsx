import { Container } from "@mantine/core";
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { tokenStore } from "../../../api/client";
import { ErrorAlert } from "../../../components/ErrorAlert";
import { PageLoader } from "../../../components/PageLoader";
import { loginPath } from "../../../app/queryClient";
import { useMeQuery } from "../api/me-query";

/** Renders its children once the user is known; without a session, goes to the login page and back. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const location = useLocation();
  const me = useMeQuery();
  if (!tokenStore.get()) return <Navigate to={loginPath(location)} replace />;
  if (me.isPending) return <PageLoader label="Loading your workspace" />;
  if (me.isError) {
    return (
      <Container size="sm" py="xl">
        <ErrorAlert error={me.error} onRetry={() => void me.refetch()} />
      </Container>
    );
  }
  return children;
}
