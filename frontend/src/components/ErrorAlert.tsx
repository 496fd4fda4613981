import { Alert, Button, Code, Group, Stack, Text } from "@mantine/core";
import {
  ApiError,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from "../api/errors";

function title(error: unknown): string {
  if (error instanceof ForbiddenError) return "You don't have access to this";
  if (error instanceof NotFoundError) return "Not found";
  if (error instanceof NetworkError) return "Can't reach the server";
  if (error instanceof RateLimitedError) return "Too many requests";
  if (error instanceof ValidationError) return "Please check what you entered";
  return "Something went wrong";
}

interface Props {
  error: unknown;
  /** Offered when trying again may help (server and network errors, rate limits). */
  onRetry?: () => void;
}

/** An API failure as a user should read it: what happened, what to do, and the request id for support. */
export function ErrorAlert({ error, onRetry }: Props) {
  const apiError = error instanceof ApiError ? error : null;
  const message = apiError?.message ?? "An unexpected error occurred.";
  const retryable = apiError ? apiError.retryable : true;
  return (
    <Alert color="red" title={title(error)} role="alert">
      <Stack gap="xs">
        <Text size="sm">{message}</Text>
        {apiError?.requestId && (
          <Text size="xs" c="dimmed">
            Request id for support: <Code>{apiError.requestId}</Code>
          </Text>
        )}
        {onRetry && retryable && (
          <Group>
            <Button size="xs" variant="light" color="red" onClick={onRetry}>
              Try again
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}
