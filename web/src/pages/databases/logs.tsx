// The logs tab: the database server's output, followed live over server-sent events (at most 5,000
// lines kept). A database without a running server answers 409: its message is shown, with a retry.
import { LogViewer } from '../../components/log-viewer';
import { databaseUrl, type DatabaseProps } from './shared';

export default function DatabaseLogs(p: DatabaseProps) {
  return (
    <LogViewer
      url={`${databaseUrl(p)}/logs?follow=true&tail=500`}
      title="Server logs"
      titleId="db-logs-title"
      label="Database server log"
      testId="database-log"
      keep={5_000}
      liveText="following"
    />
  );
}
