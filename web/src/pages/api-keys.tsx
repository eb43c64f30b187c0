// Placeholder: filled in by the foundation helper.
import { PageHeader } from '../ui/layout';

export default function Page() {
  return <PageHeader title="api-keys" />;
}
