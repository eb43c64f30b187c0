// Which API validation issue belongs to which form field: a 400's issues[].path is "body/name" or
// "body/spec/replicas"; a field named "replicas" shows the issue whose path ends with it.
export interface Issue {
  path: string;
  message: string;
}

export function issueFor(issues: readonly Issue[], field: string): string | undefined {
  return issues.find((i) => i.path === field || i.path === `body/${field}` || i.path.endsWith(`/${field}`))?.message;
}
