import { Container } from "@mantine/core";
import { useRouteError } from "react-router";
import { ErrorAlert } from "./ErrorAlert";

/** A page that failed to load or render (a chunk missing after a deploy, say): offer a reload. */
export function RouteError() {
  const error = useRouteError();
  return (
    <Container size="sm" py="xl">
      <ErrorAlert error={error} onRetry={() => window.location.reload()} />
    </Container>
  );
}
