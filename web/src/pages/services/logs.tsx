// The runtime logs tab: the live release's output (all replicas), followed live over server-sent
// events. Pause freezes the view (new lines are counted, not lost); search filters and highlights;
// download saves every line received. At most 10,000 lines are kept in the page.
import { LogViewer } from '../../components/log-viewer';
import { serviceUrl, type ServiceProps } from './service';

export default function RuntimeLogs(p: ServiceProps) {
  return (
    <LogViewer
      url={`${serviceUrl(p)}/logs?follow=true&tail=500`}
      title="Runtime logs"
      titleId="runtime-logs-title"
      label="Runtime log"
      testId="runtime-log"
      keep={10_000}
      download={() => `${p.service}-${new Date().toISOString().replace(/[:.]/g, '-')}`}
    />
  );
}
