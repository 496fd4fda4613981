import { Anchor, Button, Container, Grid, Stack, Tabs, Text, Title } from "@mantine/core";
import { Link, useParams, useSearchParams } from "react-router";
import { NotFoundError } from "../../../../api/errors";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { PageLoader } from "../../../../components/PageLoader";
import { useCustomerQuery } from "../api/customer-query";
import { useCrmPermissions } from "../permissions";
import { BusinessContextTab } from "./BusinessContextTab";
import { ConsentCard } from "./ConsentCard";
import { ContactsTab } from "./ContactsTab";
import { ConversationsTab } from "./ConversationsTab";
import { CustomerHeader } from "./CustomerHeader";
import { FaqsTab } from "./FaqsTab";
import { PrivacyTab } from "./PrivacyTab";
import { ProfileCard } from "./ProfileCard";
import { TimelineTab } from "./TimelineTab";

const TABS = [
  ["overview", "Overview"],
  ["business", "Business context"],
  ["contacts", "Contacts"],
  ["timeline", "Timeline"],
  ["conversations", "Conversations"],
  ["faqs", "FAQs & questions"],
  ["privacy", "Privacy"],
] as const;
type Tab = (typeof TABS)[number][0];

function CustomerNotFound() {
  return (
    <Container size="sm" py="xl">
      <Stack>
        <Title order={1} size="h2">
          Customer not found
        </Title>
        <Text>There is no customer at this address: it may have been deleted, or the link is wrong.</Text>
        <div>
          <Button component={Link} to="/crm/customers" variant="light">
            Back to customers
          </Button>
        </div>
      </Stack>
    </Container>
  );
}

export function CustomerDetailPage() {
  const { customerId = "" } = useParams();
  const { isAdmin } = useCrmPermissions();
  const customer = useCustomerQuery(customerId);
  const [params, setParams] = useSearchParams();
  const tabs = TABS.filter(([value]) => value !== "privacy" || isAdmin);
  const requested = params.get("tab");
  const tab: Tab = tabs.find(([value]) => value === requested)?.[0] ?? "overview";
  const select = (value: string | null) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value && value !== "overview") next.set("tab", value);
        else next.delete("tab");
        next.delete("conversation");
        return next;
      },
      { replace: true },
    );

  if (customer.isPending) return <PageLoader label="Loading the customer" />;
  if (customer.error instanceof NotFoundError) return <CustomerNotFound />;
  if (customer.isError) return <ErrorAlert error={customer.error} onRetry={() => void customer.refetch()} />;
  const c = customer.data;

  return (
    <>
      <Anchor component={Link} to="/crm/customers" size="sm" mb="xs" display="inline-block">
        ← Customers
      </Anchor>
      <CustomerHeader customer={c} />
      <Tabs value={tab} onChange={select} keepMounted={false}>
        <Tabs.List mb="md" style={{ flexWrap: "nowrap", overflowX: "auto", overflowY: "hidden" }}>
          {tabs.map(([value, label]) => (
            <Tabs.Tab key={value} value={value} style={{ whiteSpace: "nowrap" }}>
              {label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="overview">
          <Grid gap="md">
            <Grid.Col span={{ base: 12, lg: 8 }}>
              <ProfileCard customer={c} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 4 }}>
              <ConsentCard customerId={c.id} />
            </Grid.Col>
          </Grid>
        </Tabs.Panel>
        <Tabs.Panel value="business">
          <BusinessContextTab customer={c} />
        </Tabs.Panel>
        <Tabs.Panel value="contacts">
          <ContactsTab customerId={c.id} />
        </Tabs.Panel>
        <Tabs.Panel value="timeline">
          <TimelineTab customerId={c.id} />
        </Tabs.Panel>
        <Tabs.Panel value="conversations">
          <ConversationsTab customerId={c.id} />
        </Tabs.Panel>
        <Tabs.Panel value="faqs">
          <FaqsTab customerId={c.id} />
        </Tabs.Panel>
        {isAdmin && (
          <Tabs.Panel value="privacy">
            <PrivacyTab customer={c} />
          </Tabs.Panel>
        )}
      </Tabs>
    </>
  );
}
