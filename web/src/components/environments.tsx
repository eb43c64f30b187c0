// Environments of a project: list, create, delete. Shared by the project page.
export function EnvironmentsPanel({ org, project }: { org: string; project: string }) {
  return <p>{org}/{project}</p>;
}
